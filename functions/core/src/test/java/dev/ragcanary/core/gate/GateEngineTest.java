package dev.ragcanary.core.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.core.rollout.InsufficientTraffic;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GateEngineTest {
    private static final IndexFingerprint INDEX = new IndexFingerprint("0x9a77", "cosine", "bilstem");
    private static final List<LambdaState> CONVERGENT = List.of(LambdaState.CONVERGENT, LambdaState.CONVERGENT, LambdaState.CONVERGENT);
    private final GateEngine gate = GateEngine.standard();

    @Test
    void healthyEvidencePromotesAndReportsEveryRule() {
        Verdict verdict = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 20, 400.0), metrics(2_000, 2, 410.0), 0)));

        assertThat(verdict.decision()).isEqualTo(Decision.PROMOTE);
        assertThat(verdict.rules()).extracting(RuleResult::rule).containsExactly(
                "quality.deltaS.median", "quality.coverage.mean", "quality.lambda.convergent", "live.latency.p95.ratio",
                "live.errors.rate.ratio", "live.errors.newFailureClass", "index.fingerprint.expected", "live.cache.hitRatio.drop");
        assertThat(verdict.rules()).allMatch(RuleResult::passed);
        RuleResult latency = rule(verdict, "live.latency.p95.ratio");
        assertThat(latency.hardStop()).as("stage one's hard stop").isTrue();
        assertThat((double) latency.observed()).isEqualTo(1.025);
        assertThat(latency.samples()).containsEntry("canary", 500L).containsEntry("control", 5_000L);
    }

    @Test
    void aFailingRuleRollsBackButEveryOtherRuleIsStillReported() {
        Verdict verdict = judge("five", evidence(probes(0.52, 0.80, 0), live(metrics(20_000, 20, 400.0), metrics(2_000, 2, 640.0), 0)));

        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.failed()).extracting(RuleResult::rule).containsExactlyInAnyOrder("quality.deltaS.median", "live.latency.p95.ratio");
        assertThat(verdict.rules()).hasSize(9);
        assertThat(verdict.reason()).contains("stage five").contains("quality.deltaS.median: observed 0.52, limit <= 0.45")
                .contains("live.latency.p95.ratio: observed 1.6, limit <= 1.25");
    }

    @Test
    void shadowJudgesProbesOnlyAndStopsOnSchemaViolations() {
        Verdict verdict = judge("shadow", evidence(probes(0.30, 0.80, 3), null));

        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.failed()).extracting(RuleResult::rule).containsExactly("shadow.schema.violations");
        assertThat(verdict.failed().get(0).hardStop()).isTrue();
        assertThat(verdict.reason()).startsWith("hard stop at stage shadow");
        assertThat(rule(verdict, "live.latency.p95.ratio").outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        assertThat(rule(verdict, "live.errors.rate.ratio").outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
    }

    @Test
    void shadowStopsAtTheDriftLimitInclusive() {
        assertThat(judge("shadow", evidence(probes(0.60, 0.80, 0), null)).failed()).extracting(RuleResult::rule)
                .containsExactlyInAnyOrder("shadow.deltaS.median", "quality.deltaS.median");
        assertThat(judge("shadow", evidence(probes(0.45, 0.80, 0), null)).decision()).isEqualTo(Decision.PROMOTE);
    }

    @Test
    void missingDataIsNeverAPass() {
        Verdict noLive = judge("one", evidence(probes(0.30, 0.80, 0), null));
        assertThat(noLive.decision()).isEqualTo(Decision.EXTEND);
        assertThat(noLive.insufficient()).extracting(RuleResult::rule).contains("live.latency.p95.ratio", "live.errors.rate.ratio");

        Verdict noProbes = judge("one", evidence(null, live(metrics(20_000, 20, 400.0), metrics(2_000, 2, 400.0), 0)));
        assertThat(noProbes.decision()).isEqualTo(Decision.EXTEND);
        assertThat(noProbes.insufficient()).extracting(RuleResult::rule)
                .containsExactlyInAnyOrder("quality.deltaS.median", "quality.coverage.mean", "quality.lambda.convergent");
    }

    @Test
    void tooFewSamplesExtendUntilTheLimitThenRollBackOrHold() {
        Evidence thin = evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 20, 400.0), metrics(150, 0, 400.0), 0));

        assertThat(judge("one", withExtensions(thin, 2)).decision()).isEqualTo(Decision.EXTEND);
        Verdict exhausted = judge("one", withExtensions(thin, 3));
        assertThat(exhausted.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(exhausted.reason()).startsWith("not enough traffic to judge after 3 extensions");
        Thresholds hold = withPolicy(InsufficientTraffic.HOLD);
        assertThat(gate.evaluate(stage("one"), hold, withExtensions(thin, 3)).decision()).isEqualTo(Decision.HOLD);
    }

    @Test
    void newFailureClassFailsAtOnceEvenOnFewRequests() {
        LiveMetrics.VariantMetrics canary = new LiveMetrics.VariantMetrics(50, 1, Map.of("5xx:RerankerOOM", 1L),
                null, 400.0, 40L, 30, 20);
        Verdict verdict = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 20, 400.0), canary, 0)));

        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.failed()).extracting(RuleResult::rule).containsExactly("live.errors.newFailureClass");
        assertThat(verdict.failed().get(0).note()).contains("5xx:RerankerOOM");
    }

    @Test
    void errorRatesBelowTheFloorDoNotMakeInfiniteRatios() {
        Verdict bothClean = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 0, 400.0), metrics(2_000, 0, 400.0), 0)));
        assertThat(rule(bothClean, "live.errors.rate.ratio").observed()).isEqualTo(1.0);

        Verdict canaryErrors = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 0, 400.0), metrics(2_000, 10, 400.0), 0)));
        assertThat(rule(canaryErrors, "live.errors.rate.ratio").observed()).isEqualTo(5.0);
        assertThat(rule(canaryErrors, "live.errors.rate.ratio").outcome()).isEqualTo(Outcome.FAIL);
    }

    @Test
    void cacheHitRatioMayDropAtMostFivePoints() {
        LiveMetrics.VariantMetrics control = new LiveMetrics.VariantMetrics(20_000, 20, Map.of("5xx:UpstreamTimeout", 20L), null, 400.0, 5_000L, 12_000, 8_000);
        LiveMetrics.VariantMetrics within = new LiveMetrics.VariantMetrics(2_000, 2, Map.of("5xx:UpstreamTimeout", 2L), null, 400.0, 500L, 1_100, 900);
        LiveMetrics.VariantMetrics beyond = new LiveMetrics.VariantMetrics(2_000, 2, Map.of("5xx:UpstreamTimeout", 2L), null, 400.0, 500L, 1_080, 920);

        assertThat(rule(judge("one", evidence(probes(0.3, 0.8, 0), live(control, within, 0))), "live.cache.hitRatio.drop").outcome()).isEqualTo(Outcome.PASS);
        RuleResult drop = rule(judge("one", evidence(probes(0.3, 0.8, 0), live(control, beyond, 0))), "live.cache.hitRatio.drop");
        assertThat(drop.outcome()).isEqualTo(Outcome.FAIL);
        assertThat((double) drop.observed()).isEqualTo(6.0);
    }

    @Test
    void fullStageHasNoControlTrafficToCompare() {
        Verdict verdict = judge("full", evidence(probes(0.30, 0.80, 0), live(metrics(0, 0, 400.0), metrics(40_000, 40, 400.0), 0)));

        assertThat(verdict.decision()).isEqualTo(Decision.PROMOTE);
        assertThat(rule(verdict, "live.latency.p95.ratio").outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
    }

    @Test
    void verdictJsonCarriesPassedForEveryRule() throws Exception {
        Verdict verdict = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 20, 400.0), metrics(2_000, 2, 410.0), 0)));

        var json = Json.MAPPER.readTree(Json.compact(verdict));
        assertThat(json.get("decision").asText()).isEqualTo("PROMOTE");
        assertThat(json.get("rules")).allSatisfy(r -> {
            assertThat(r.has("passed")).isTrue();
            assertThat(r.has("limit")).isTrue();
        });
    }

    private Verdict judge(String stageName, Evidence evidence) {
        return gate.evaluate(stage(stageName), Thresholds.DEFAULTS, evidence);
    }

    private static Stage stage(String name) {
        return StageLadder.defaultStage(name).orElseThrow();
    }

    private static RuleResult rule(Verdict verdict, String id) {
        return verdict.rules().stream().filter(r -> r.rule().equals(id)).findFirst().orElseThrow();
    }

    static Evidence evidence(ProbeSummary probes, LiveMetrics live) {
        return new Evidence("test", "test", null, 0, probes, live,
                Map.of("control", Map.of("us-east-1", INDEX), "canary", Map.of("us-east-1", INDEX)), INDEX, Thresholds.DEFAULTS);
    }

    private static Evidence withExtensions(Evidence e, int extensions) {
        return new Evidence(e.description(), e.stage(), e.weight(), extensions, e.probes(), e.live(), e.fingerprints(), e.expectedIndex(), e.thresholds());
    }

    private static Thresholds withPolicy(InsufficientTraffic policy) {
        Thresholds d = Thresholds.DEFAULTS;
        return new Thresholds(d.deltaSMedianMax(), d.coverageMin(), d.latencyP95RatioMax(), d.errorRateRatioMax(), d.errorRateFloor(),
                d.cacheHitDropMaxPoints(), d.shadowDeltaSMedianStop(), d.maxFlippedParaphrases(), d.lambdaDeltaSTolerance(),
                d.lambdaDeltaSMax(), d.minWarmLatencySamples(), d.minRequests(), d.maxExtensions(), d.promotionWindowSeconds(), policy);
    }

    static ProbeSummary probes(double canaryDeltaS, double canaryCoverage, int schemaViolations) {
        Map<String, List<LambdaState>> lambda = Map.of("q1", CONVERGENT, "q2", CONVERGENT);
        ProbeSummary.VariantProbes control = new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(0.31, 0.4, 12),
                new ProbeSummary.Coverage(0.8, Map.of("rollback", 0.8), 12), lambda, 0, 0, 12);
        ProbeSummary.VariantProbes canary = new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(canaryDeltaS, canaryDeltaS + 0.1, 12),
                new ProbeSummary.Coverage(canaryCoverage, Map.of("rollback", canaryCoverage), 12), lambda, schemaViolations, 0, 12);
        return new ProbeSummary("k", 2, control, canary);
    }

    static LiveMetrics live(LiveMetrics.VariantMetrics control, LiveMetrics.VariantMetrics canary, long collisions) {
        return new LiveMetrics(control, canary, collisions);
    }

    /** Requests with errors of one known class, a p95 over requests/4 warm samples, and a 60 % cache hit ratio. */
    static LiveMetrics.VariantMetrics metrics(long requests, long errors, double p95) {
        return new LiveMetrics.VariantMetrics(requests, errors, errors == 0 ? Map.of() : Map.of("5xx:UpstreamTimeout", errors),
                null, p95, requests / 4, requests * 6 / 10, requests * 4 / 10);
    }
}
