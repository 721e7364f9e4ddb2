package dev.ragcanary.core.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeSummary;
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
        Verdict verdict = judge("one", evidence(probes(0.30, 0.80, 0), healthyLive()));

        assertThat(verdict.decision()).isEqualTo(Decision.PROMOTE);
        assertThat(verdict.rules()).extracting(RuleResult::rule).containsExactly(
                "quality.deltaS.median", "quality.coverage.mean", "quality.lambda.convergent", "live.latency.p95.ratio",
                "live.latency.median.shift", "live.errors.rate.ratio", "live.errors.rate.critical",
                "live.errors.newFailureClass", "index.fingerprint.expected", "live.cache.hitRatio.drop",
                "egress.success.ratio", "egress.retries.perEmission", "egress.age.p95.ratio", "egress.shadow.missing",
                "egress.shadow.extra", "egress.partner.duplicates");
        assertThat(verdict.rules()).filteredOn(r -> !r.rule().equals("live.latency.median.shift") && !r.rule().startsWith("egress."))
                .allMatch(RuleResult::passed);
        assertThat(verdict.rules()).filteredOn(r -> r.rule().startsWith("egress.")).as("no egress figures in this evidence")
                .allMatch(r -> r.outcome() == Outcome.NOT_APPLICABLE);
        assertThat(rule(verdict, "live.latency.median.shift").outcome()).as("p95-only metrics have no samples to rank")
                .isEqualTo(Outcome.NOT_APPLICABLE);
        RuleResult latency = rule(verdict, "live.latency.p95.ratio");
        assertThat(latency.hardStop()).as("stage one's hard stop").isTrue();
        assertThat((double) latency.observed()).isEqualTo(1.025);
        assertThat(latency.samples()).containsEntry("canary", 7_500L).containsEntry("control", 150_000L);
    }

    @Test
    void aFailingRuleRollsBackButEveryOtherRuleIsStillReported() {
        Verdict verdict = judge("five", evidence(probes(0.52, 0.80, 0), live(metrics(20_000, 20, 400.0), metrics(2_000, 2, 640.0), 0)));

        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(verdict.failed()).extracting(RuleResult::rule).containsExactlyInAnyOrder("quality.deltaS.median", "live.latency.p95.ratio");
        assertThat(verdict.rules()).hasSize(17);
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

        Verdict noProbes = judge("one", evidence(null, healthyLive()));
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
    void anIncompleteProbeReplayExtendsWithItsReasonAndNeverRollsBackForThatAlone() {
        Verdict healthy = judge("one", evidence(incomplete(probes(0.30, 0.80, 0)), healthyLive()));
        assertThat(healthy.decision()).as("complete, this evidence promotes").isEqualTo(Decision.EXTEND);
        assertThat(healthy.reason()).isEqualTo("bake again (extension 1 of 3): not enough evidence yet for"
                + " quality.deltaS.median (probe replay incomplete; control median 0.31), quality.coverage.mean (probe"
                + " replay incomplete), quality.lambda.convergent (probe replay incomplete); probe replay incomplete: " + STOPPED);
        RuleResult deltaS = rule(healthy, "quality.deltaS.median");
        assertThat(deltaS.outcome()).isEqualTo(Outcome.INSUFFICIENT);
        assertThat(deltaS.observed()).as("what was measured is still reported").isEqualTo(0.30);

        // A median over part of the probes is not the probe set's median: no rollback on it either.
        Verdict drifting = judge("one", evidence(incomplete(probes(0.52, 0.80, 0)), healthyLive()));
        assertThat(judge("one", evidence(probes(0.52, 0.80, 0), healthyLive())).decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(drifting.decision()).isEqualTo(Decision.EXTEND);
        assertThat(drifting.failed()).isEmpty();
    }

    @Test
    void anIncompleteProbeReplayHoldsForAPersonOnceTheExtensionsAreSpent() {
        Verdict verdict = judge("one", withExtensions(evidence(incomplete(probes(0.52, 0.80, 0)), healthyLive()), 3));

        assertThat(Thresholds.DEFAULTS.onInsufficientTraffic()).isEqualTo(InsufficientTraffic.ROLLBACK);
        assertThat(verdict.decision()).isEqualTo(Decision.HOLD);
        assertThat(verdict.reason()).isEqualTo("probe replay incomplete after 3 extensions, a person decides: " + STOPPED
                + "; not decided: quality.deltaS.median (probe replay incomplete; control median 0.31), quality.coverage.mean"
                + " (probe replay incomplete), quality.lambda.convergent (probe replay incomplete)");
    }

    @Test
    void aFailureInWhatAnIncompleteReplayMeasuredStillRollsBack() {
        Verdict violations = judge("shadow", evidence(incomplete(probes(0.30, 0.80, 3)), null));
        assertThat(violations.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(violations.failed()).extracting(RuleResult::rule).containsExactly("shadow.schema.violations");

        LiveMetrics.VariantMetrics newClass = new LiveMetrics.VariantMetrics(50, 3, Map.of("5xx:RerankerOOM", 3L),
                null, 400.0, 40L, 30, 20);
        Verdict live = judge("one", evidence(incomplete(probes(0.30, 0.80, 0)), live(metrics(20_000, 20, 400.0), newClass, 0)));
        assertThat(live.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(live.failed()).extracting(RuleResult::rule).contains("live.errors.newFailureClass");

        ProbeSummary p = probes(0.30, 0.80, 0);
        ProbeSummary.VariantProbes chaotic = new ProbeSummary.VariantProbes(p.canary().deltaS(), p.canary().coverage(),
                Map.of("q1", CONVERGENT, "q2", List.of(LambdaState.CONVERGENT, LambdaState.CHAOTIC, LambdaState.CONVERGENT)),
                0, 1, 12);
        Verdict lambda = judge("one", evidence(incomplete(new ProbeSummary("k", 2, p.control(), chaotic)), healthyLive()));
        assertThat(lambda.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(lambda.failed()).extracting(RuleResult::rule).containsExactly("quality.lambda.convergent");
    }

    @Test
    void aStageShortOfTrafficKeepsItsInsufficientTrafficPolicyWhenTheReplayIsIncompleteToo() {
        Evidence thin = evidence(incomplete(probes(0.30, 0.80, 0)), live(metrics(20_000, 20, 400.0), metrics(150, 0, 400.0), 0));

        Verdict exhausted = judge("one", withExtensions(thin, 3));

        assertThat(exhausted.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(exhausted.reason()).startsWith("not enough traffic to judge after 3 extensions");
    }

    @Test
    void newFailureClassFailsOnFewRequestsOnceItReachesItsCount() {
        LiveMetrics.VariantMetrics once = new LiveMetrics.VariantMetrics(50, 1, Map.of("5xx:RerankerOOM", 1L),
                null, 400.0, 40L, 30, 20);
        LiveMetrics.VariantMetrics thrice = new LiveMetrics.VariantMetrics(50, 3, Map.of("5xx:RerankerOOM", 3L),
                null, 400.0, 40L, 30, 20);

        // one occurrence may be a fluke: the statistical judge waits for newFailureClassMinCount (3)
        Verdict first = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 20, 400.0), once, 0)));
        assertThat(first.decision()).isEqualTo(Decision.EXTEND);
        assertThat(rule(first, "live.errors.newFailureClass").note()).contains("5xx:RerankerOOM x1");

        Verdict verdict = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 20, 400.0), thrice, 0)));
        assertThat(verdict.decision()).isEqualTo(Decision.ROLLBACK);
        RuleResult fresh = rule(verdict, "live.errors.newFailureClass");
        assertThat(fresh.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(fresh.hardStop()).isTrue();
        assertThat(fresh.note()).contains("5xx:RerankerOOM");
    }

    @Test
    void errorRatesBelowTheFloorDoNotMakeInfiniteRatios() {
        Verdict bothClean = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 0, 400.0), metrics(2_000, 0, 400.0), 0)));
        assertThat(rule(bothClean, "live.errors.rate.ratio").observed()).isEqualTo(1.0);

        Verdict canaryErrors = judge("one", evidence(probes(0.30, 0.80, 0), live(metrics(20_000, 0, 400.0), metrics(2_000, 30, 400.0), 0)));
        assertThat(rule(canaryErrors, "live.errors.rate.ratio").observed()).isEqualTo(15.0);
        assertThat(rule(canaryErrors, "live.errors.rate.ratio").outcome()).isEqualTo(Outcome.FAIL);
    }

    @Test
    void cacheHitRatioMayDropAtMostFivePoints() {
        // The drop is judged with an interval: 60,000 canary lookups pin it to about ±0.6 points, 2,000 to about ±3.5.
        LiveMetrics.VariantMetrics control = new LiveMetrics.VariantMetrics(600_000, 600, Map.of("5xx:UpstreamTimeout", 600L), null, 400.0, 150_000L, 360_000, 240_000);
        LiveMetrics.VariantMetrics within = new LiveMetrics.VariantMetrics(60_000, 60, Map.of("5xx:UpstreamTimeout", 60L), null, 400.0, 15_000L, 33_600, 26_400);
        LiveMetrics.VariantMetrics beyond = new LiveMetrics.VariantMetrics(60_000, 60, Map.of("5xx:UpstreamTimeout", 60L), null, 400.0, 15_000L, 32_400, 27_600);
        LiveMetrics.VariantMetrics unclear = new LiveMetrics.VariantMetrics(2_000, 2, Map.of("5xx:UpstreamTimeout", 2L), null, 400.0, 500L, 1_080, 920);

        RuleResult four = rule(judge("one", evidence(probes(0.3, 0.8, 0), live(control, within, 0))), "live.cache.hitRatio.drop");
        assertThat(four.outcome()).isEqualTo(Outcome.PASS);
        assertThat((double) four.observed()).isEqualTo(4.0);
        RuleResult six = rule(judge("one", evidence(probes(0.3, 0.8, 0), live(control, beyond, 0))), "live.cache.hitRatio.drop");
        assertThat(six.outcome()).isEqualTo(Outcome.FAIL);
        assertThat((double) six.observed()).isEqualTo(6.0);
        assertThat(six.interval().low()).isGreaterThan(5.0);
        RuleResult fewLookups = rule(judge("one", evidence(probes(0.3, 0.8, 0), live(control, unclear, 0))), "live.cache.hitRatio.drop");
        assertThat(fewLookups.outcome()).isEqualTo(Outcome.INSUFFICIENT);
    }

    @Test
    void fullStageHasNoControlTrafficToCompare() {
        Verdict verdict = judge("full", evidence(probes(0.30, 0.80, 0), live(metrics(0, 0, 400.0), metrics(40_000, 40, 400.0), 0)));

        assertThat(verdict.decision()).isEqualTo(Decision.PROMOTE);
        assertThat(rule(verdict, "live.latency.p95.ratio").outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
    }

    @Test
    void afterThePromotionTheLiveRulesCompareThePromotedVersionWithThePreviousVersionsLastFigures() {
        LiveMetrics.VariantMetrics baseline = metrics(600_000, 600, 400.0);

        Verdict held = GateEngine.judgeAfterPromotion(stage("full"), Thresholds.DEFAULTS,
                evidence(null, live(baseline, metrics(600_000, 620, 405.0), 0)));
        Verdict worse = GateEngine.judgeAfterPromotion(stage("full"), Thresholds.DEFAULTS,
                evidence(null, live(baseline, metrics(600_000, 3_000, 405.0), 0)));
        Verdict thin = GateEngine.judgeAfterPromotion(stage("full"), Thresholds.DEFAULTS,
                evidence(null, live(baseline, metrics(50, 1, 900.0), 0)));

        assertThat(held.decision()).isEqualTo(Decision.PROMOTE);
        assertThat(held.reason()).isEqualTo("the promoted version held every live rule against the previous version's"
                + " last figures");
        assertThat(worse.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(worse.reason()).startsWith("after the promotion: live.errors.rate.ratio");
        assertThat(thin.decision()).as("too little traffic never reverts").isEqualTo(Decision.PROMOTE);
        assertThat(thin.reason()).startsWith("no live rule failed after the promotion; not decided for lack of samples");
        assertThat(held.rules()).extracting(RuleResult::rule).containsExactly("live.latency.p95.ratio",
                "live.latency.median.shift", "live.errors.rate.ratio", "live.errors.rate.critical",
                "live.errors.newFailureClass");
    }

    @Test
    void verdictJsonCarriesPassedForEveryRule() throws Exception {
        Verdict verdict = judge("one", evidence(probes(0.30, 0.80, 0), healthyLive()));

        var json = Json.MAPPER.readTree(Json.compact(verdict));
        assertThat(json.get("decision").asText()).isEqualTo("PROMOTE");
        assertThat(json.get("rules")).hasSize(verdict.rules().size()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.get("passed").isBoolean()).as(r.toString()).isTrue();
            assertThat(r.get("passed").asBoolean()).as(r.toString()).isEqualTo("PASS".equals(r.get("outcome").asText()));
            assertThat(r.hasNonNull("limit")).as(r.toString()).isTrue();
            assertThat(r.get("rule").asText()).isNotBlank();
        });
    }

    @Test
    void unreadLiveMetricsBakeAgainThenHoldNeverRollBack() {
        int max = Thresholds.DEFAULTS.maxExtensions();
        String unread = "latency histogram in eu-west-1 (Running)";

        Verdict first = gate.liveMetricsUnread(stage("ten"), withPolicy(InsufficientTraffic.ROLLBACK), 0, unread);
        Verdict spent = gate.liveMetricsUnread(stage("ten"), withPolicy(InsufficientTraffic.ROLLBACK), max, unread);

        assertThat(first.decision()).isEqualTo(Decision.EXTEND);
        assertThat(first.reason()).isEqualTo("bake again (extension 1 of " + max + "): live metrics not read: " + unread);
        assertThat(spent.decision()).as("not measured is not short of traffic: a person decides").isEqualTo(Decision.HOLD);
        assertThat(spent.reason()).endsWith(unread);
        assertThat(first.rules()).as("no rule was judged").isEmpty();
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
                Map.of("control", Map.of("us-east-1", INDEX), "canary", Map.of("us-east-1", INDEX)), INDEX, Thresholds.DEFAULTS, null, null);
    }

    private static Evidence withExtensions(Evidence e, int extensions) {
        return new Evidence(e.description(), e.stage(), e.weight(), extensions, e.probes(), e.live(), e.fingerprints(), e.expectedIndex(), e.thresholds(), e.egress(), e.calibration());
    }

    private static Thresholds withPolicy(InsufficientTraffic policy) {
        Thresholds d = Thresholds.DEFAULTS;
        return new Thresholds(d.deltaSMedianMax(), d.coverageMin(), d.latencyP95RatioMax(), d.errorRateRatioMax(), d.errorRateFloor(),
                d.cacheHitDropMaxPoints(), d.shadowDeltaSMedianStop(), d.maxFlippedParaphrases(), d.lambdaDeltaSTolerance(),
                d.lambdaDeltaSMax(), d.minWarmLatencySamples(), d.minRequests(), d.maxExtensions(), d.promotionWindowSeconds(), policy,
                d.judgeConfidence(), d.medianShiftTolerance(), d.errorRateCriticalRatio(), d.newFailureClassMinCount(),
                d.postPromotionBakeSeconds(), d.lookIntervalSeconds(), d.errorRateMargin(), d.latencyP95Margin(),
                d.egressMinEmissions(), d.egressSuccessRatioMin(), d.egressRetriesIncreaseMax(), d.egressAgeP95RatioMax(),
                d.egressShadowMissingRateMax(), d.egressShadowExtraRateMax());
    }

    private static final String STOPPED = "the replay ran out of time on its last page (3 of 3): 1000 of 2400 probe calls"
            + " measured, 80 of 200 questions whole";

    private static ProbeSummary incomplete(ProbeSummary p) {
        return new ProbeSummary(p.evidenceKey(), p.questions(), p.control(), p.canary(),
                new ProbeSummary.Incomplete(1000, 2400, STOPPED));
    }

    static ProbeSummary probes(double canaryDeltaS, double canaryCoverage, int schemaViolations) {
        Map<String, List<LambdaState>> lambda = Map.of("q1", CONVERGENT, "q2", CONVERGENT);
        ProbeSummary.VariantProbes control = new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(0.31, 0.4, 12),
                new ProbeSummary.Coverage(0.8, Map.of("rollback", 0.8), 12), lambda, 0, 0, 12);
        ProbeSummary.VariantProbes canary = new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(canaryDeltaS, canaryDeltaS + 0.1, 12),
                new ProbeSummary.Coverage(canaryCoverage, Map.of("rollback", canaryCoverage), 12), lambda, schemaViolations, 0, 12);
        return new ProbeSummary("k", 2, control, canary);
    }

    /**
     * Canary as healthy as the control, with enough traffic for the statistical judge to be confident: at a 0.1 % error
     * rate it takes about 25,000 canary requests to bound the error-rate ratio below 2 at 98 % confidence.
     */
    static LiveMetrics healthyLive() {
        return live(metrics(600_000, 600, 400.0), metrics(30_000, 30, 410.0), 0);
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
