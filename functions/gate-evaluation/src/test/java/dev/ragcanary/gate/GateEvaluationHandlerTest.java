package dev.ragcanary.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.ControllerMetrics;
import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.TransientFailureException;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.testsupport.InMemoryEvidenceStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.cloudwatchlogs.model.CloudWatchLogsException;

class GateEvaluationHandlerTest {
    private static final IndexFingerprint INDEX = new IndexFingerprint("0x9a77", "cosine", "bilstem");
    private static final Instant NOW = Instant.parse("2025-08-27T06:31:00Z");
    /** The gate function's 120 s, less what the runtime took to start the handler. */
    private static final Context LAMBDA = new RemainingTimeContext(119_000);

    private final RecordingMetrics metrics = new RecordingMetrics();
    private final InMemoryEvidenceStore store = new InMemoryEvidenceStore();
    private final List<String> loggedVerdicts = new ArrayList<>();
    private final List<String> metricLines = new ArrayList<>();
    private final GateEvaluationHandler handler = new GateEvaluationHandler(new GateEvaluationService(metrics, store,
            GateEngine.standard(), (plan, verdict, key, step) -> loggedVerdicts.add(plan.rolloutId() + " " + verdict.stage() + " "
                    + verdict.decision() + " " + key)), new ControllerMetrics(metricLines::add, Clock.systemUTC()),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void stageOneJudgesThePilotRegionsWindowAndArchivesReJudgeableEvidence() {
        JsonNode out = invoke(event("stage-one-first-look"));

        assertThat(metrics.queries).containsExactly(stageOneQueryUntil(Instant.parse("2025-08-27T06:30:00Z")));
        assertThat(out.get("evidenceKey").asText()).isEqualTo("rollouts/rag-answer-live-v42/gate/one/look-1.json");
        JsonNode verdict = out.get("verdict");
        assertThat(verdict.get("decision").asText()).as(verdict.get("reason").asText()).isEqualTo("PROMOTE");
        assertThat(verdict.get("stage").asText()).isEqualTo("one");
        JsonNode latency = rule(verdict, "live.latency.p95.ratio");
        assertThat(latency.get("interval").get("high").asDouble()).isLessThan(1.25);
        assertThat(latency.get("samples").get("canary").asLong()).isEqualTo(3_000);

        Evidence archived = EvidenceParser.parse(store.get(out.get("evidenceKey").asText()).orElseThrow());
        assertThat(archived.live().canary().warmLatencyMs()).hasSize(3_000);
        assertThat(archived.fingerprints("canary")).containsEntry("us-east-1", INDEX);
        assertThat(archived.expectedIndex()).isEqualTo(INDEX);
        assertThat(archived.description()).contains("rag-answer-live-v42").contains("stage one");
        Decision again = GateEngine.standard().evaluate(EvidenceParser.stage(archived, null), archived.thresholds(), archived).decision();
        assertThat(again).isEqualTo(Decision.PROMOTE);
        assertThat(loggedVerdicts).containsExactly("rag-answer-live-v42 one PROMOTE rollouts/rag-answer-live-v42/gate/one/look-1.json");
        assertThat(metricLines).extracting(line -> Json.parse("emf", line).path("Decision").asText("-")
                + " " + Json.parse("emf", line).path("Variant").asText("-")).containsExactly("PROMOTE -", "- control", "- canary");
    }

    @Test
    void laterLooksKeepTheStageWindowAndJudgeEveryRegionFromStageTen() {
        JsonNode out = invoke(event("stage-five-third-look"));

        assertThat(metrics.queries).singleElement().satisfies(q -> {
            assertThat(q.regions()).containsExactly("us-east-1");
            assertThat(q.start()).isEqualTo(Instant.parse("2025-08-27T07:00:00Z"));
        });
        assertThat(out.get("evidenceKey").asText()).isEqualTo("rollouts/rag-answer-live-v42/gate/five/look-3.json");
        assertThat(out.get("verdict").get("extensions").asInt()).isEqualTo(2);
        assertThat(GateEvaluationService.regions(GateEvaluationInput.parse(event("stage-five-third-look")).plan(),
                GateEvaluationInput.parse(event("stage-five-third-look")).plan().stage("ten").orElseThrow()))
                .containsExactly("us-east-1", "eu-west-1");
    }

    @Test
    void eachRegionIsQueriedWithTheVersionsItRuns() {
        ObjectNode input = (ObjectNode) event("stage-five-third-look");
        input.put("stage", "ten");
        // The state summary the stage's weight shift returned: the alias numbers the control differently per region.
        input.putObject("controlVersions").put("us-east-1", "41").put("eu-west-1", "16");
        ((ObjectNode) input.get("rollout").get("target")).putObject("canaryVersions").put("eu-west-1", "17");

        JsonNode out = invoke(input);

        assertThat(metrics.queries).singleElement().satisfies(q -> {
            assertThat(q.regions()).containsExactly("us-east-1", "eu-west-1");
            assertThat(q.controlVersions()).isEqualTo(Map.of("us-east-1", "41", "eu-west-1", "16"));
            assertThat(q.canaryVersions()).isEqualTo(Map.of("us-east-1", "42", "eu-west-1", "17"));
        });
        Evidence archived = EvidenceParser.parse(store.get(out.get("evidenceKey").asText()).orElseThrow());
        assertThat(archived.description()).contains("control -> canary versions us-east-1 41 -> 42, eu-west-1 16 -> 17");
    }

    @Test
    void aPilotRegionNumberedDifferentlyIsQueriedWithItsOwnVersions() {
        ObjectNode input = (ObjectNode) event("stage-one-first-look");
        input.put("controlVersion", "7");
        input.putObject("controlVersions").put("us-east-1", "7").put("eu-west-1", "41");
        ((ObjectNode) input.get("rollout").get("target")).putObject("canaryVersions").put("us-east-1", "8");

        invoke(input);

        assertThat(metrics.queries).singleElement().satisfies(q -> {
            assertThat(q.controlVersions()).isEqualTo(Map.of("us-east-1", "7"));
            assertThat(q.canaryVersions()).isEqualTo(Map.of("us-east-1", "8"));
        });
    }

    @Test
    void controlVersionsThatLeaveOutARegionAreRefused() {
        ObjectNode input = (ObjectNode) event("stage-one-first-look");
        input.putObject("controlVersions").put("us-east-1", "41").put("eu-west-1", 16);

        assertThatThrownBy(() -> invoke(input))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.controlVersions.eu-west-1: integer found, string expected");
        input.putObject("controlVersions").put("us-east-1", "41");
        assertThatThrownBy(() -> invoke(input))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.controlVersions: has no version for region eu-west-1 of the rollout");
        assertThat(metrics.queries).isEmpty();
    }

    @Test
    void shadowReadsOnlyTheShadowRulesFiguresAndTakesTheIndexFromTheProbeReplay() {
        JsonNode input = event("shadow");
        store.put(input.get("probes").get("evidenceKey").asText(), replayDetail(INDEX, INDEX));

        JsonNode out = invoke(input);

        assertThat(metrics.queries).singleElement().satisfies(q -> {
            assertThat(q.shadowStage()).isTrue();
            assertThat(q.regions()).containsExactly("us-east-1");
        });
        JsonNode verdict = out.get("verdict");
        assertThat(verdict.get("decision").asText()).as(verdict.get("reason").asText()).isEqualTo("PROMOTE");
        assertThat(rule(verdict, "live.latency.p95.ratio").get("outcome").asText()).isEqualTo("NOT_APPLICABLE");
        assertThat(rule(verdict, "index.fingerprint.expected").get("outcome").asText()).isEqualTo("PASS");
        // A function without webhooks: nothing emitted, nothing to match, nothing blocks.
        assertThat(rule(verdict, "egress.shadow.missing").get("outcome").asText()).isEqualTo("NOT_APPLICABLE");
        assertThat(rule(verdict, "egress.partner.duplicates").get("outcome").asText()).isEqualTo("PASS");
        Evidence archived = EvidenceParser.parse(store.get("rollouts/rag-answer-live-v42/gate/shadow/look-1.json").orElseThrow());
        assertThat(archived.fingerprints("canary")).isEqualTo(Map.of("us-east-1", INDEX));
        assertThat(archived.egress().shadow()).isEqualTo(new EgressMetrics.ShadowMatch(0, 0, 0, 0, 0));
    }

    @Test
    void aCanaryWhoseShadowCopiesDropTheirWebhookIsRolledBackAtShadow() {
        JsonNode input = event("shadow");
        store.put(input.get("probes").get("evidenceKey").asText(), replayDetail(INDEX, INDEX));
        metrics.shadow = new EgressMetrics.ShadowMatch(1_000, 700, 700, 300, 0);

        JsonNode verdict = invoke(input).get("verdict");

        assertThat(verdict.get("decision").asText()).as(verdict.get("reason").asText()).isEqualTo("ROLLBACK");
        assertThat(rule(verdict, "egress.shadow.missing").get("outcome").asText()).isEqualTo("FAIL");
    }

    @Test
    void anUnreadEgressQueryAtShadowBakesAgainWithTheShadowRulesUndecidedNeverPassed() {
        JsonNode input = event("shadow");
        store.put(input.get("probes").get("evidenceKey").asText(), replayDetail(INDEX, INDEX));
        metrics.unfinished = List.of("mirrored emissions query q-7 in us-east-1 (Running), stopped at the deadline");

        JsonNode verdict = invoke(input).get("verdict");

        assertThat(verdict.get("decision").asText()).isEqualTo("EXTEND");
        assertThat(rule(verdict, "egress.shadow.missing").get("outcome").asText()).isEqualTo("INSUFFICIENT");
        assertThat(rule(verdict, "egress.shadow.missing").get("note").asText()).contains("q-7");
        assertThat(rule(verdict, "index.fingerprint.expected").get("outcome").asText()).isEqualTo("PASS");
    }

    @Test
    void aCanaryAnsweringProbesFromAnotherIndexFailsAtShadow() {
        JsonNode input = event("shadow");
        store.put(input.get("probes").get("evidenceKey").asText(), replayDetail(INDEX, new IndexFingerprint("0x1234", "cosine", "bilstem")));

        JsonNode verdict = invoke(input).get("verdict");

        assertThat(verdict.get("decision").asText()).isEqualTo("ROLLBACK");
        assertThat(rule(verdict, "index.fingerprint.expected").get("outcome").asText()).isEqualTo("FAIL");
    }

    @Test
    void withoutAReplayDetailTheIndexIsUnknownNeverAPass() {
        JsonNode verdict = invoke(event("shadow")).get("verdict");

        assertThat(verdict.get("decision").asText()).isEqualTo("EXTEND");
        assertThat(rule(verdict, "index.fingerprint.expected").get("outcome").asText()).isEqualTo("INSUFFICIENT");
    }

    /** The probe replay's detail as archived (only the fields the gate reads: calls[].variant and calls[].index). */
    private static String replayDetail(IndexFingerprint control, IndexFingerprint canary) {
        return "{\"calls\":["
                + "{\"variant\":\"control\",\"index\":" + Json.compact(control) + "},"
                + "{\"variant\":\"canary\",\"index\":" + Json.compact(canary) + "},"
                + "{\"variant\":\"canary\",\"index\":" + Json.compact(canary) + "},"
                + "{\"variant\":\"canary\",\"failureClass\":\"5xx:UpstreamTimeout\"}]}";
    }

    @Test
    void badInputListsEveryProblemAndTouchesNothing() {
        ObjectNode bad = (ObjectNode) event("stage-one-first-look");
        bad.remove("controlVersion");
        bad.put("stage", "two");
        bad.put("windowStart", "yesterday");
        bad.put("extensions", -1);
        bad.put("colour", "blue");
        ((ObjectNode) bad.get("rollout").get("target")).remove("canaryVersion");

        assertThatThrownBy(() -> invoke(bad))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.controlVersion")
                .hasMessageContaining("$.windowStart")
                .hasMessageContaining("$.extensions")
                .hasMessageContaining("$.colour")
                .hasMessageContaining("$.rollout.target.canaryVersion");
        assertThat(metrics.queries).isEmpty();
        assertThat(store.objects).isEmpty();
    }

    @Test
    void aStageNotInThePlanAndAnInvertedWindowAreRefused() {
        ObjectNode bad = (ObjectNode) event("stage-one-first-look");
        bad.put("stage", "two");
        bad.put("windowEnd", "2025-08-27T05:00:00Z");
        assertThatThrownBy(() -> invoke(bad))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.stage: \"two\" is not a stage of this rollout (shadow, one, five, ten, twentyfive, fifty, full)")
                .hasMessageContaining("$.windowEnd: must be after windowStart");
    }

    @Test
    void thePromotionWindowsLookIsKeptBesideTheStagesOwnLookNotOverIt() {
        String stageKey = invoke(event("stage-one-first-look")).get("evidenceKey").asText();
        String stageEvidence = store.get(stageKey).orElseThrow();
        ObjectNode window = (ObjectNode) event("stage-one-first-look");
        window.put("purpose", "promotion");
        window.put("windowEnd", "2025-08-27T07:30:00Z");

        String windowKey = invoke(window).get("evidenceKey").asText();

        assertThat(windowKey).isEqualTo("rollouts/rag-answer-live-v42/gate/one/promotion-look-1.json");
        assertThat(store.get(stageKey)).contains(stageEvidence);
        assertThat(store.get(windowKey).orElseThrow()).contains("2025-08-27T07:30:00Z");
    }

    @Test
    void aRetriedLookReturnsTheVerdictItsFirstAttemptRecordedWithoutJudgingAgain() {
        GateEvaluationService.Result first = new GateEvaluationService.Result(new Verdict("one",
                0.01, Decision.EXTEND, "recorded by the first attempt", 0, List.of()), "rollouts/r/gate/one/look-1.json");
        GateEvaluationHandler retried = new GateEvaluationHandler(new GateEvaluationService(metrics, store,
                GateEngine.standard(), new VerdictLog() {
                    @Override
                    public void record(RolloutRequest plan, Verdict v,
                                       String key, Step step) {
                        throw new AssertionError("a retried look must not record again");
                    }

                    @Override
                    public Optional<GateEvaluationService.Result> recorded(RolloutRequest plan, Step step) {
                        return Optional.of(first);
                    }
                }), new ControllerMetrics(metricLines::add, Clock.systemUTC()), Clock.fixed(NOW, ZoneOffset.UTC));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        try {
            retried.handleRequest(new ByteArrayInputStream(Json.compact(event("stage-one-first-look"))
                    .getBytes(StandardCharsets.UTF_8)), out, LAMBDA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        assertThat(Json.parse("out", out.toString(StandardCharsets.UTF_8)).path("verdict").path("reason").asText())
                .isEqualTo("recorded by the first attempt");
        assertThat(metrics.queries).as("no second judgement").isEmpty();
        assertThat(store.objects).isEmpty();
    }

    @Test
    void theLiveMetricsMustBeReadWhileTheFunctionHasTimeLeftToRecordTheVerdict() {
        invoke(event("stage-one-first-look"));

        assertThat(metrics.deadlines).containsExactly(NOW.plusSeconds(119).minus(GateEvaluationHandler.VERDICT_MARGIN));
    }

    @Test
    void queriesUnfinishedAtTheDeadlineBakeAgainNamingThemAndTheEvidenceSaysSo() {
        metrics.unfinished = List.of("latency histogram query q-7 in us-east-1 (Running)");

        JsonNode out = invoke(event("stage-one-first-look"));

        JsonNode verdict = out.get("verdict");
        assertThat(verdict.get("decision").asText()).isEqualTo("EXTEND");
        assertThat(verdict.get("reason").asText()).isEqualTo("bake again (extension 1 of 3): live metrics not read: "
                + "latency histogram query q-7 in us-east-1 (Running)");
        Evidence archived = EvidenceParser.parse(store.get(out.get("evidenceKey").asText()).orElseThrow());
        assertThat(archived.live()).isNull();
        assertThat(archived.description()).endsWith("live metrics not read: latency histogram query q-7 in us-east-1 (Running)");
        assertThat(loggedVerdicts).singleElement().asString().contains("EXTEND");
    }

    @Test
    void aThrottledMetricsCallFailsTheTaskWithoutArchivingAnything() {
        metrics.throttled = true;
        assertThatThrownBy(() -> invoke(event("stage-one-first-look")))
                .as("reported under the one transient error name the state machine retries")
                .isExactlyInstanceOf(TransientFailureException.class)
                .hasCauseInstanceOf(CloudWatchLogsException.class);
        assertThat(store.objects).isEmpty();
    }

    @Test
    void afterThePromotionThePromotedVersionIsJudgedAgainstTheLastLooksControlAndOnlyAFailedRuleReverts() {
        String baseline = invoke(event("stage-one-first-look")).get("evidenceKey").asText();
        ObjectNode after = (ObjectNode) event("stage-one-first-look");
        after.put("stage", "full").put("purpose", "after-promotion").put("baselineEvidenceKey", baseline)
                .put("windowStart", "2025-08-27T09:00:00Z").put("windowEnd", "2025-08-27T09:30:00Z");

        JsonNode held = invoke(after);
        metrics.canaryErrorsPerThousand = 10;
        JsonNode failing = invoke(after);

        assertThat(metrics.queries.get(1).regions()).as("every region").containsExactly("us-east-1", "eu-west-1");
        assertThat(held.at("/verdict/decision").asText()).as(held.at("/verdict/reason").asText()).isEqualTo("PROMOTE");
        assertThat(held.get("evidenceKey").asText())
                .isEqualTo("rollouts/rag-answer-live-v42/gate/full/after-promotion-look-1.json");
        Evidence judged = EvidenceParser.parse(store.get(held.get("evidenceKey").asText()).orElseThrow());
        assertThat(judged.live().control().requests()).as("the baseline's control").isEqualTo(3_000_000);
        assertThat(failing.at("/verdict/decision").asText()).isEqualTo("ROLLBACK");
        assertThat(failing.at("/verdict/reason").asText()).startsWith("after the promotion: live.errors.rate.ratio");
    }

    @Test
    void afterThePromotionWithoutABaselineThePromotionStandsAndSaysWhy() {
        ObjectNode after = (ObjectNode) event("stage-one-first-look");
        after.put("stage", "full").put("purpose", "after-promotion")
                .put("baselineEvidenceKey", "rollouts/rag-answer-live-v42/gate/fifty/promotion-look-1.json");

        JsonNode out = invoke(after);

        assertThat(out.at("/verdict/decision").asText()).isEqualTo("PROMOTE");
        assertThat(out.at("/verdict/reason").asText()).isEqualTo("the promotion stands, not judged after it: no control"
                + " figures in rollouts/rag-answer-live-v42/gate/fifty/promotion-look-1.json");
        assertThat(metrics.queries).as("no query without a baseline to compare with").isEmpty();
        after.remove("baselineEvidenceKey");
        assertThatThrownBy(() -> invoke(after)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.baselineEvidenceKey");
    }

    @Test
    void aLiveLookOnAHealthyCanaryReadsOnlyTheLiveMetricsSoFarBakesOnAndSaysWhenToLookNext() {
        JsonNode out = invoke(event("stage-one-live-look"));

        assertThat(metrics.queries).containsExactly(stageOneQueryUntil(Instant.parse("2025-08-27T06:05:00.004Z")));
        JsonNode verdict = out.get("verdict");
        assertThat(verdict.get("decision").asText()).as(verdict.get("reason").asText()).isEqualTo("EXTEND");
        assertThat(verdict.get("reason").asText()).isEqualTo("live look 1 at stage one: no live rule confidently broken;"
                + " the bake goes on");
        assertThat(verdict.get("rules")).extracting(r -> r.get("rule").asText()).allMatch(r -> r.startsWith("live."));
        assertThat(out.get("look").asInt()).isEqualTo(1);
        assertThat(out.get("waitSeconds").asLong()).isEqualTo(300);
        assertThat(out.get("restSeconds").asLong()).isEqualTo(1500);
        assertThat(out.get("bakeOver").asBoolean()).isFalse();
        assertThat(out.get("evidenceKey").asText()).isEqualTo("rollouts/rag-answer-live-v42/gate/one/look-1-live-1.json");
        Evidence archived = EvidenceParser.parse(store.get(out.get("evidenceKey").asText()).orElseThrow());
        assertThat(archived.probes()).isNull();
        assertThat(archived.description()).contains("live look 1 during the bake");
        assertThat(loggedVerdicts).as("a look writes nothing to the rollout's record").isEmpty();
        assertThat(metricLines).as("baking on is no decision").isEmpty();
    }

    @Test
    void aLiveLookRollsBackAConfidentlyBrokenCanaryAndCountsTheDecision() {
        metrics.canaryErrorsPerThousand = 10;

        JsonNode out = invoke(event("stage-one-live-look"));

        assertThat(out.at("/verdict/decision").asText()).isEqualTo("ROLLBACK");
        assertThat(out.at("/verdict/reason").asText()).startsWith("rule failed at stage one, live look 1 during the bake:")
                .contains("live.errors.rate");
        assertThat(out.at("/verdict/extensions").asInt()).isZero();
        assertThat(loggedVerdicts).isEmpty();
        assertThat(metricLines).extracting(line -> Json.parse("emf", line).path("Decision").asText("-"))
                .containsExactly("ROLLBACK");
    }

    @Test
    void aRetriedLookOverwritesItsOwnEvidenceWithTheSameTimingAndTheNextLookKeepsItsOwnKey() {
        JsonNode first = invoke(event("stage-one-live-look"));
        ObjectNode retry = (ObjectNode) event("stage-one-live-look");
        // A retry keeps the entry's $$.State.EnteredTime (the window's end) and counts its attempt.
        ((ObjectNode) retry.get("step")).put("retryCount", 1);
        JsonNode retried = invoke(retry);
        ObjectNode next = (ObjectNode) event("stage-one-live-look");
        next.put("windowEnd", "2025-08-27T06:10:00.009Z");
        ((ObjectNode) next.get("step")).put("enteredTime", "2025-08-27T06:10:00.009Z");
        JsonNode second = invoke(next);

        assertThat(retried.get("evidenceKey")).isEqualTo(first.get("evidenceKey"));
        assertThat(List.of(retried.get("waitSeconds"), retried.get("restSeconds"), retried.get("look")))
                .isEqualTo(List.of(first.get("waitSeconds"), first.get("restSeconds"), first.get("look")));
        assertThat(second.get("evidenceKey").asText()).isEqualTo("rollouts/rag-answer-live-v42/gate/one/look-1-live-2.json");
        assertThat(store.objects).hasSize(2);
    }

    @Test
    void aLookWhoseMetricsAreNotReadBakesOnNeverRollsBack() {
        metrics.unfinished = List.of("error rate query q-9 in us-east-1 (Running)");

        JsonNode out = invoke(event("stage-one-live-look"));

        assertThat(out.at("/verdict/decision").asText()).isEqualTo("EXTEND");
        assertThat(out.at("/verdict/reason").asText()).isEqualTo("live look 1 at stage one: live metrics not read:"
                + " error rate query q-9 in us-east-1 (Running); the bake goes on");
        assertThat(out.get("waitSeconds").asLong()).isEqualTo(300);
    }

    @Test
    void aLookThatEndsAfterTheBakeLeavesNothingToWait() {
        ObjectNode late = (ObjectNode) event("stage-one-live-look");
        late.put("windowEnd", "2025-08-27T06:31:00Z");

        JsonNode out = invoke(late);

        assertThat(out.get("bakeOver").asBoolean()).isTrue();
        assertThat(out.get("restSeconds").asLong()).isZero();
        assertThat(out.get("waitSeconds").asLong()).isZero();
    }

    @Test
    void thePromotionWindowsLengthPlansItsLooksNotTheStagesBake() {
        ObjectNode window = (ObjectNode) event("stage-one-live-look");
        window.put("purpose", "promotion");
        JsonNode overTheStagesBake = invoke(window).get("verdict");
        window.put("bakeSeconds", 3600);
        JsonNode overTheWindow = invoke(window).get("verdict");

        // The rank rule spreads its error budget over twice the looks: a wider interval on the same samples.
        JsonNode shorter = rule(overTheStagesBake, "live.latency.median.shift").get("interval");
        JsonNode longer = rule(overTheWindow, "live.latency.median.shift").get("interval");
        assertThat(longer.get("high").asDouble() - longer.get("low").asDouble())
                .isGreaterThan(shorter.get("high").asDouble() - shorter.get("low").asDouble());
        assertThat(GateEvaluationInput.parse(window).stage().bakeSeconds()).isEqualTo(3600);
    }

    private JsonNode invoke(JsonNode input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(Json.compact(input).getBytes(StandardCharsets.UTF_8)), out, LAMBDA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Json.parse("output", out.toString(StandardCharsets.UTF_8));
    }

    /** The stage one events' metrics query: the pilot region, control 41 against canary 42, from the bake's start. */
    private static MetricsSource.Query stageOneQueryUntil(Instant windowEnd) {
        return new MetricsSource.Query("rag-answer", "live", Map.of("us-east-1", "41"), Map.of("us-east-1", "42"),
                List.of("us-east-1"), Instant.parse("2025-08-27T06:00:00Z"), windowEnd, false);
    }

    private static JsonNode rule(JsonNode verdict, String id) {
        for (JsonNode r : verdict.get("rules")) {
            if (r.get("rule").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no rule " + id + " in " + verdict);
    }

    static JsonNode event(String name) {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("events/gate-evaluation"))) {
            dir = dir.getParent();
        }
        try {
            return Json.parse(name, Files.readString(dir.resolve("events/gate-evaluation/" + name + ".json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Healthy traffic at 1 % (canary as fast and as reliable as the control), recording every query and deadline. */
    private static final class RecordingMetrics implements MetricsSource {
        final List<Query> queries = new ArrayList<>();
        final List<Instant> deadlines = new ArrayList<>();
        boolean throttled;
        List<String> unfinished = List.of();
        /** The canary's errors per 1,000 requests (the control's is 1). */
        long canaryErrorsPerThousand = 1;
        /** What the shadow stage's egress reading matched; by default a function without webhooks. */
        EgressMetrics.ShadowMatch shadow = new EgressMetrics.ShadowMatch(0, 0, 0, 0, 0);

        @Override
        public Reading read(Query query, Instant deadline) {
            if (throttled) {
                throw CloudWatchLogsException.builder().statusCode(400).message("Rate exceeded")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ThrottlingException")
                                .errorMessage("Rate exceeded").build()).build();
            }
            queries.add(query);
            deadlines.add(deadline);
            if (!unfinished.isEmpty()) {
                return Reading.unfinished(unfinished);
            }
            if (query.shadowStage()) {
                return Reading.complete(null, Map.of(), new EgressMetrics(EgressMetrics.VariantEgress.NONE,
                        EgressMetrics.VariantEgress.NONE, 0, shadow));
            }
            return Reading.complete(new LiveMetrics(variant(1, 3_000_000, 10_000, 1),
                    variant(2, 30_000, 3_000, canaryErrorsPerThousand), 0),
                    Map.of("control", Map.of("us-east-1", INDEX), "canary", Map.of("us-east-1", INDEX)), null);
        }

        private static LiveMetrics.VariantMetrics variant(long seed, long requests, int warmSamples, long errorsPerThousand) {
            SplittableRandom rng = new SplittableRandom(seed);
            List<Double> latency = Arrays.stream(new double[warmSamples]).map(x -> 400 * Math.exp(0.5 * rng.nextGaussian())).boxed().toList();
            long errors = requests * errorsPerThousand / 1_000;
            return new LiveMetrics.VariantMetrics(requests, errors, Map.of("5xx:UpstreamTimeout", errors),
                    latency, null, null, requests * 6 / 10, requests * 4 / 10);
        }
    }
}
