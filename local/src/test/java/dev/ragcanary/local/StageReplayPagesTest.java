package dev.ragcanary.local;

import static dev.ragcanary.local.StageRuns.answering;
import static dev.ragcanary.local.StageRuns.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.probe.ProbeSetParser;
import dev.ragcanary.core.probe.ReplayBudget;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import dev.ragcanary.replay.ProbeReplayHandler;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage machine's probe replay loop on the local interpreter, with the real probe replay handler: a page that runs
 * out of its invocation's time hands its continuation back to the machine, which runs the next page, and the gate is
 * asked once, with every measurement. The other Tasks are stand-ins that record what they were given.
 */
class StageReplayPagesTest {
    private static final ProjectLayout LAYOUT = ProjectLayout.find();
    private static final ReplayOptions ONE_AT_A_TIME = ReplayOptions.DEFAULTS.withConcurrency(1);
    /** The gold probe set: 52 questions × 3 paraphrases × 2 seeds × 2 variants. */
    private static final int PLANNED = 52 * 12;
    private static final String KEY = "rollouts/rag-answer-live-v42/probes/five/20260301T101530.000Z.json";
    private static final MiniLmEmbedder EMBEDDER = new MiniLmEmbedder();
    private static LocalRunner runner;

    @TempDir
    Path evidenceDir;

    private final List<JsonNode> replayInputs = new CopyOnWriteArrayList<>();
    private final List<JsonNode> gateInputs = new CopyOnWriteArrayList<>();
    /** The replay invocation's remaining time; every call to the target takes one second of it. */
    private final AtomicLong remainingMs = new AtomicLong();

    @BeforeAll
    static void startRunner() {
        runner = LocalRunner.start(LAYOUT);
    }

    @AfterAll
    static void stopRunner() {
        runner.close();
    }

    @Test
    void aFirstPageOutOfTimeAndASecondThatFinishesReachTheGateOnceWithEveryMeasurement() {
        ExecutionResult result = runStage(400);

        assertThat(result.status()).as(result.cause()).isEqualTo("SUCCEEDED");
        assertThat(replayInputs).hasSize(2);
        assertThat(replayInputs.get(0).get("continuation").isNull()).isTrue();
        assertThat(replayInputs.get(1).get("continuation"))
                .isEqualTo(Json.parse("continuation", "{\"evidenceKey\": \"" + KEY + "\", \"page\": 2}"));
        assertThat(gateInputs).hasSize(1);
        JsonNode probes = gateInputs.get(0).get("probes");
        assertThat(probes.has("incomplete")).isFalse();
        assertThat(probes.get("evidenceKey").asText()).isEqualTo(KEY);
        assertThat(probes.get("questions").asInt()).isEqualTo(52);
        assertThat(probes.at("/control/calls").asInt() + probes.at("/canary/calls").asInt()).isEqualTo(PLANNED);
        assertThat(result.output().at("/verdict/decision").asText()).isEqualTo("PROMOTE");
    }

    @Test
    void aReplayOutOfPagesReachesTheGateMarkedIncompleteWithWhatWasMeasured() {
        ExecutionResult result = runStage(100);

        assertThat(result.status()).as(result.cause()).isEqualTo("SUCCEEDED");
        assertThat(replayInputs).hasSize(ONE_AT_A_TIME.maxPages());
        assertThat(gateInputs).hasSize(1);
        JsonNode incomplete = gateInputs.get(0).at("/probes/incomplete");
        assertThat(incomplete.get("measured").asInt()).isEqualTo(300);
        assertThat(incomplete.get("planned").asInt()).isEqualTo(PLANNED);
        assertThat(incomplete.get("reason").asText()).startsWith("the replay ran out of time on its last page (3 of 3)");
    }

    /** Runs stage five with the replay given time for {@code callsPerPage} calls per invocation. */
    private ExecutionResult runStage(int callsPerPage) {
        try (LocalLambdaEndpoint endpoint = LocalLambdaEndpoint.start()
                .register("weight-shifter", answering("{\"status\": \"ACTIVE\", \"controlVersion\": \"41\","
                        + " \"controlVersions\": {\"us-east-1\": \"41\", \"us-west-2\": \"41\"}}", null))
                .register("probe-replay", pagedReplay(callsPerPage))
                .register("gate-evaluation", answering("{\"verdict\": {\"stage\": \"five\", \"decision\": \"PROMOTE\"},"
                        + " \"evidenceKey\": \"rollouts/rag-answer-live-v42/gate/five/look-1.json\"}", gateInputs))) {
            return StageRuns.runStage(runner, LAYOUT, endpoint, "pages-" + callsPerPage, event().get("rollout"),
                    "five", 600);
        }
    }

    /** The real handler; each invocation starts with time for {@code callsPerPage} calls beyond the reserve. */
    private RequestStreamHandler pagedReplay(int callsPerPage) {
        ProbeReplayHandler replay = new ProbeReplayHandler(new ProbeReplayHandler.Dependencies(
                (region, functionName) -> this::answerFromTheTargetSection, EMBEDDER,
                new LocalFolderEvidenceStore(evidenceDir), location -> ProbeSetParser.parse(gold()), ONE_AT_A_TIME,
                Clock.fixed(Instant.parse("2026-03-01T10:15:30Z"), ZoneOffset.UTC)));
        return (in, out, context) -> {
            byte[] payload = in.readAllBytes();
            replayInputs.add(Json.parse("replay input", new String(payload, StandardCharsets.UTF_8)));
            remainingMs.set(ReplayBudget.reserve(ONE_AT_A_TIME).toMillis() + callsPerPage * 1000L);
            replay.handleRequest(new ByteArrayInputStream(payload), out, withRemainingTime(context, remainingMs));
        };
    }

    private ProbeTarget.Invocation answerFromTheTargetSection(String version, JsonNode payload, Duration timeout) {
        remainingMs.addAndGet(-1000);
        ObjectNode response = Json.MAPPER.createObjectNode().put("answer", payload.get("question").asText());
        response.putArray("retrieved").addObject().put("sectionId", "s-" + payload.get("probeId").asText())
                .put("text", payload.get("question").asText()).put("score", 1.5);
        response.putObject("index").put("INDEX_HASH", "0x51b79f5596a7").put("metric", "bm25").put("analyzer", "english");
        response.putObject("cache").put("prefix", "v" + version + ":").put("hit", false);
        return new ProbeTarget.Invocation(response, 5, null);
    }

    private static JsonNode event() {
        return Json.parse("event", read(LAYOUT, "events/probe-replay/stage-five.json"));
    }

    private static String gold() {
        return read(LAYOUT, "events/probes/gold.json");
    }

    /** The local endpoint's context, with the invocation's remaining time read from the fake clock. */
    private static Context withRemainingTime(Context local, AtomicLong remainingMs) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> method.getName().equals("getRemainingTimeInMillis")
                        ? (Object) (int) remainingMs.get() : method.invoke(local, args));
    }
}
