package dev.ragcanary.local;

import static dev.ragcanary.local.StageRuns.answering;
import static dev.ragcanary.local.StageRuns.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.ControllerMetrics;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.TransientFailureException;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.gate.GateEvaluationHandler;
import dev.ragcanary.gate.GateEvaluationService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage machine's live looks on the local interpreter: stage one (1 %, a 1,800 s bake, a look every 300 s) with
 * the real gate evaluation handler answering the looks from live metrics that grow with the window, and stand-ins for
 * the weight shifter, the probe replay and the gate at the bake's end that record what they were given.
 */
class StageLiveLooksTest {
    private static final ProjectLayout LAYOUT = ProjectLayout.find();
    private static final long BAKE_SECONDS = 1800;
    private static final String END_OF_BAKE_VERDICT = "{\"verdict\": {\"stage\": \"one\", \"weight\": 0.01,"
            + " \"decision\": \"PROMOTE\", \"reason\": \"every rule holds at stage one\", \"extensions\": 0,"
            + " \"rules\": []}, \"evidenceKey\": \"rollouts/rag-answer-live-v42/gate/one/look-1.json\"}";
    private static LocalRunner runner;

    @TempDir
    Path evidenceDir;

    private final List<JsonNode> lookInputs = new CopyOnWriteArrayList<>();
    private final List<JsonNode> lookOutputs = new CopyOnWriteArrayList<>();
    private final List<JsonNode> gateInputs = new CopyOnWriteArrayList<>();
    private final List<JsonNode> replayInputs = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startRunner() {
        runner = LocalRunner.start(LAYOUT);
    }

    @AfterAll
    static void stopRunner() {
        runner.close();
    }

    @Test
    void aBrokenCanaryIsRolledBackAtTheFirstConfidentLookBeforeTheBakeEnds() {
        // No canary traffic for the first 5 minutes (the first look cannot decide), then one request in ten fails.
        ExecutionResult result = runStage(new Fleet(Duration.ofMinutes(5), 100), LookFault.NONE);

        assertThat(result.status()).as(result.cause()).isEqualTo("SUCCEEDED");
        assertThat(lookOutputs).extracting(o -> o.at("/verdict/decision").asText()).containsExactly("EXTEND", "ROLLBACK");
        JsonNode verdict = result.output().get("verdict");
        assertThat(verdict.get("decision").asText()).isEqualTo("ROLLBACK");
        assertThat(verdict.get("reason").asText()).startsWith("rule failed at stage one, live look 2 during the bake:");
        assertThat(result.output().get("evidenceKey").asText())
                .isEqualTo("rollouts/rag-answer-live-v42/gate/one/look-1-live-2.json");
        assertThat(result.output().at("/bakeWindow/start")).isEqualTo(lookInputs.get(1).get("windowStart"));
        assertThat(secondsIntoTheBake(lookInputs.get(1))).isBetween(600L, 601L);
        assertThat(replayInputs).as("no probes after a rollback").isEmpty();
        assertThat(gateInputs).as("no gate at the bake's end").isEmpty();
    }

    @Test
    void aHealthyCanaryWaitsTheWholeBakeThenTheProbesAndTheGate() {
        ExecutionResult result = runStage(new Fleet(Duration.ZERO, 1), LookFault.NONE);

        assertThat(result.status()).as(result.cause()).isEqualTo("SUCCEEDED");
        assertThat(lookInputs).extracting(StageLiveLooksTest::secondsIntoTheBake)
                .containsExactly(300L, 600L, 900L, 1200L, 1500L);
        assertThat(lookOutputs).extracting(o -> o.at("/verdict/decision").asText()).containsOnly("EXTEND");
        assertThat(lookOutputs.get(4).get("bakeOver").asBoolean()).isTrue();
        assertThat(replayInputs).hasSize(1);
        assertThat(gateInputs).singleElement().satisfies(gate -> {
            assertThat(gate.has("look")).isFalse();
            assertThat(gate.get("bakeSeconds").asLong()).isEqualTo(BAKE_SECONDS);
            assertThat(secondsIntoTheBake(gate)).as("the whole bake").isGreaterThanOrEqualTo(BAKE_SECONDS);
        });
        assertThat(result.output().at("/verdict/decision").asText()).isEqualTo("PROMOTE");
        // Shift, the two bake notes, 2 Choices, 5 looks of Wait + Task + Choice, the rest of the bake, the replay's
        // Pass, Task and Choice, the gate and the verdict: 27 (10 before the looks, 11 now for a bake without looks).
        System.out.println("COST stage run with live looks (1800 s bake, a look every 300 s): "
                + result.transitions() + " transitions");
        assertThat(result.transitions()).isEqualTo(27);
    }

    @Test
    void aFailingLookFallsThroughToTheEndOfTheBakeNeverShorteningIt() {
        ExecutionResult result = runStage(new Fleet(Duration.ZERO, 1), LookFault.FAILS_AT_THE_SECOND_LOOK);

        assertThat(result.status()).as(result.cause()).isEqualTo("SUCCEEDED");
        assertThat(lookInputs).as("no look after the failed one").hasSize(2);
        assertThat(replayInputs).hasSize(1);
        assertThat(gateInputs).singleElement().satisfies(gate ->
                assertThat(secondsIntoTheBake(gate)).isGreaterThanOrEqualTo(BAKE_SECONDS));
        assertThat(result.output().at("/verdict/decision").asText()).as("the gate at the bake's end decides")
                .isEqualTo("PROMOTE");
    }

    @Test
    void aLookWhoseReplyIsLostIsRetriedAtTheSameTimeOverItsOwnEvidenceWithTheSameAnswer() {
        ExecutionResult result = runStage(new Fleet(Duration.ZERO, 1), LookFault.REPLY_LOST_AT_THE_FIRST_LOOK);

        assertThat(result.status()).as(result.cause()).isEqualTo("SUCCEEDED");
        JsonNode lost = lookInputs.get(0);
        JsonNode retried = lookInputs.get(1);
        assertThat(retried.get("windowEnd")).isEqualTo(lost.get("windowEnd"));
        assertThat(retried.at("/step/retryCount").asInt()).isEqualTo(lost.at("/step/retryCount").asInt() + 1);
        assertThat(lookOutputs.get(1)).isEqualTo(lookOutputs.get(0));
        assertThat(lookOutputs.get(1).get("evidenceKey").asText())
                .isEqualTo("rollouts/rag-answer-live-v42/gate/one/look-1-live-1.json");
        assertThat(lookInputs).extracting(StageLiveLooksTest::secondsIntoTheBake)
                .containsExactly(300L, 300L, 600L, 900L, 1200L, 1500L);
        assertThat(gateInputs).hasSize(1);
    }

    private enum LookFault { NONE, FAILS_AT_THE_SECOND_LOOK, REPLY_LOST_AT_THE_FIRST_LOOK }

    private ExecutionResult runStage(Fleet fleet, LookFault fault) {
        GateEvaluationHandler realGate = new GateEvaluationHandler(new GateEvaluationService(fleet,
                new LocalFolderEvidenceStore(evidenceDir), GateEngine.standard(), (plan, verdict, key, step) -> {
                }), new ControllerMetrics(line -> { }, Clock.systemUTC()), Clock.systemUTC());
        AtomicInteger looks = new AtomicInteger();
        RequestStreamHandler gate = (in, out, context) -> {
            byte[] payload = in.readAllBytes();
            JsonNode input = Json.parse("gate input", new String(payload, StandardCharsets.UTF_8));
            if (!input.has("look")) {
                gateInputs.add(input);
                out.write(END_OF_BAKE_VERDICT.getBytes(StandardCharsets.UTF_8));
                return;
            }
            lookInputs.add(input);
            int look = looks.incrementAndGet();
            if (fault == LookFault.FAILS_AT_THE_SECOND_LOOK && look == 2) {
                throw new IllegalStateException("the look's function broke");
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            realGate.handleRequest(new ByteArrayInputStream(payload), answer, context);
            lookOutputs.add(Json.parse("look output", answer.toString(StandardCharsets.UTF_8)));
            if (fault == LookFault.REPLY_LOST_AT_THE_FIRST_LOOK && look == 1) {
                throw new TransientFailureException("the look's reply was lost");
            }
            answer.writeTo(out);
        };
        try (LocalLambdaEndpoint endpoint = LocalLambdaEndpoint.start()
                .register("weight-shifter", answering("{\"status\": \"ACTIVE\", \"weight\": 0.01,"
                        + " \"controlVersion\": \"41\","
                        + " \"controlVersions\": {\"us-east-1\": \"41\", \"eu-west-1\": \"41\"}}", null))
                .register("probe-replay", answering("{\"complete\": true, \"summary\": " + probeSummary() + "}",
                        replayInputs))
                .register("gate-evaluation", gate)) {
            return StageRuns.runStage(runner, LAYOUT, endpoint, "looks-" + fault,
                    Json.MAPPER.valueToTree(RolloutRequestParser.parse(read(LAYOUT, "events/start-rollout.json"))),
                    "one", BAKE_SECONDS);
        }
    }

    /** Whole seconds from the bake's start to the Task's entry ({@code windowEnd}). */
    private static long secondsIntoTheBake(JsonNode gateInput) {
        return Duration.between(Instant.parse(gateInput.get("windowStart").asText()),
                Instant.parse(gateInput.get("windowEnd").asText())).toSeconds();
    }

    /**
     * Live traffic at 1 % against the control, growing with the window: the canary serves 3 requests a second after
     * {@code canaryFrom} (none before), the control 300; the control fails 1 request in 1,000, the canary
     * {@code canaryErrorsPerThousand}.
     */
    private record Fleet(Duration canaryFrom, long canaryErrorsPerThousand) implements MetricsSource {
        @Override
        public Reading read(Query query, Instant deadline) {
            Instant start = query.start();
            long seconds = Duration.between(start, query.end()).toSeconds();
            long canarySeconds = Math.max(0, seconds - canaryFrom.toSeconds());
            return Reading.complete(new LiveMetrics(variant(1, seconds * 300, 1), variant(2, canarySeconds * 3,
                    canaryErrorsPerThousand), 0), Map.of(), null);
        }

        private static LiveMetrics.VariantMetrics variant(long seed, long requests, long errorsPerThousand) {
            SplittableRandom rng = new SplittableRandom(seed);
            int warm = (int) Math.min(requests / 2, 5_000);
            List<Double> latency = Arrays.stream(new double[warm]).map(x -> 400 * Math.exp(0.5 * rng.nextGaussian()))
                    .boxed().toList();
            long errors = requests * errorsPerThousand / 1_000;
            return new LiveMetrics.VariantMetrics(requests, errors, Map.of("5xx:UpstreamTimeout", errors), latency,
                    null, null, requests * 6 / 10, requests * 4 / 10);
        }
    }

    private static String probeSummary() {
        return Json.compact(Json.parse("gate event", read(LAYOUT, "events/gate-evaluation/stage-one-first-look.json"))
                .get("probes"));
    }
}
