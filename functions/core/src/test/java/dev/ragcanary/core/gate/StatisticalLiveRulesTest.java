package dev.ragcanary.core.gate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StatisticalLiveRulesTest {
    private static final Stage ONE = StageLadder.defaultStage("one").orElseThrow();
    private static final Stage FIVE = StageLadder.defaultStage("five").orElseThrow();

    @Test
    void liveRulesReportEstimateIntervalLimitSamplesAndOutcome() throws Exception {
        Verdict v = GateEngine.liveTrafficOnly().evaluate(FIVE, Thresholds.DEFAULTS,
                evidence(0, raw(1, 3_000, 400), raw(2, 10_000, 400), 30_000, 300, 600_000, 6_000));
        assertThat(v.decision()).isEqualTo(Decision.PROMOTE);
        JsonNode p95 = rule(v, LiveRules.LATENCY);
        assertThat(p95.get("outcome").asText()).isEqualTo("PASS");
        assertThat(p95.get("observed").asDouble()).as("share slower than 1.25 x control p95").isBetween(0.005, 0.035);
        assertThat(p95.get("interval").get("low").asDouble()).isLessThan(p95.get("observed").asDouble());
        assertThat(p95.get("interval").get("high").asDouble()).isBetween(p95.get("observed").asDouble(), 0.07);
        assertThat(p95.get("interval").get("confidence").asDouble()).isEqualTo(0.98);
        assertThat(p95.get("limit").asDouble()).as("fails above 5 %, passes below 5 % + margin").isEqualTo(0.05);
        assertThat(p95.get("samples").get("canary").asLong()).isEqualTo(3_000);
        assertThat(rule(v, LiveRules.ERROR_RATE).get("interval")).isNotNull();
        assertThat(rule(v, LiveRules.NEW_FAILURE_CLASS).has("interval")).isFalse();
    }

    @Test
    void aMedianShiftBeyondToleranceIsAHardStopAtStageOne() {
        Verdict v = GateEngine.liveTrafficOnly().evaluate(ONE, Thresholds.DEFAULTS,
                evidence(0, raw(3, 2_000, 600), raw(4, 10_000, 400), 2_000, 20, 200_000, 2_000));
        assertThat(v.decision()).isEqualTo(Decision.ROLLBACK);
        RuleResult median = find(v, LiveRules.MEDIAN_SHIFT);
        assertThat(median.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(median.hardStop()).isTrue();
        assertThat(v.reason()).startsWith("hard stop at stage one");
    }

    @Test
    void undecidedEvidenceExtendsAndRollsBackOnceTheLooksAreUsedUp() {
        LiveMetrics.VariantMetrics canary = raw(5, 2_000, 480);
        LiveMetrics.VariantMetrics control = raw(6, 10_000, 400);
        Verdict first = GateEngine.liveTrafficOnly().evaluate(ONE, Thresholds.DEFAULTS, evidence(0, canary, control, 2_000, 20, 200_000, 2_000));
        Verdict last = GateEngine.liveTrafficOnly().evaluate(ONE, Thresholds.DEFAULTS,
                evidence(Thresholds.DEFAULTS.maxExtensions(), canary, control, 2_000, 20, 200_000, 2_000));
        assertThat(first.decision()).isEqualTo(Decision.EXTEND);
        assertThat(first.reason()).startsWith("bake again (extension 1 of 3): not enough evidence yet for")
                .contains("live.latency.median.shift (canary is slower, but by less than the tolerance so far)");
        assertThat(last.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(last.reason()).startsWith("not enough traffic to judge after 3 extensions");
    }

    @Test
    void criticalErrorRateFailsBeforeTheMinimumRequests() {
        Verdict v = GateEngine.liveTrafficOnly().evaluate(ONE, Thresholds.DEFAULTS,
                evidence(0, raw(7, 300, 400), raw(8, 10_000, 400), 400, 40, 40_000, 40));
        assertThat(find(v, LiveRules.ERROR_RATE).outcome()).isEqualTo(Outcome.INSUFFICIENT);
        assertThat(find(v, LiveRules.ERROR_RATE_CRITICAL).outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.decision()).isEqualTo(Decision.ROLLBACK);
    }

    @Test
    void p95OnlyMetricsFallBackToThePointRuleAndSaySo() {
        LiveMetrics.VariantMetrics canary = new LiveMetrics.VariantMetrics(30_000, 30, Map.of(), null, 1_100.0, 2_900L, 0, 0);
        LiveMetrics.VariantMetrics control = new LiveMetrics.VariantMetrics(600_000, 600, Map.of(), null, 1_000.0, 58_000L, 0, 0);
        Verdict v = GateEngine.liveTrafficOnly().evaluate(FIVE, Thresholds.DEFAULTS,
                new Evidence(null, "five", 0.05, 0, null, new LiveMetrics(control, canary, 0), null, null, Thresholds.DEFAULTS, null, null));
        RuleResult p95 = find(v, LiveRules.LATENCY);
        assertThat(p95.outcome()).isEqualTo(Outcome.PASS);
        assertThat(p95.observed()).isEqualTo(1.1);
        assertThat(p95.interval()).isNull();
        assertThat(p95.note()).contains("point estimate").contains("no raw samples");
        assertThat(find(v, LiveRules.MEDIAN_SHIFT).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        assertThat(v.decision()).isEqualTo(Decision.PROMOTE);
    }

    @Test
    void p95OnlyMetricsAboveTheLimitFailOnThePointEstimate() {
        LiveMetrics.VariantMetrics canary = new LiveMetrics.VariantMetrics(30_000, 30, Map.of(), null, 1_300.0, 2_900L, 0, 0);
        LiveMetrics.VariantMetrics control = new LiveMetrics.VariantMetrics(600_000, 600, Map.of(), null, 1_000.0, 58_000L, 0, 0);
        Verdict v = GateEngine.liveTrafficOnly().evaluate(FIVE, Thresholds.DEFAULTS,
                new Evidence(null, "five", 0.05, 0, null, new LiveMetrics(control, canary, 0), null, null, Thresholds.DEFAULTS, null, null));
        assertThat(find(v, LiveRules.LATENCY).outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.decision()).isEqualTo(Decision.ROLLBACK);
    }

    private static Evidence evidence(int extensions, LiveMetrics.VariantMetrics canaryLatency, LiveMetrics.VariantMetrics controlLatency,
                                     long canaryRequests, long canaryErrors, long controlRequests, long controlErrors) {
        LiveMetrics.VariantMetrics canary = new LiveMetrics.VariantMetrics(canaryRequests, canaryErrors,
                Map.of("5xx:UpstreamTimeout", canaryErrors), canaryLatency.warmLatencyMs(), null, null, 0, 0);
        LiveMetrics.VariantMetrics control = new LiveMetrics.VariantMetrics(controlRequests, controlErrors,
                Map.of("5xx:UpstreamTimeout", controlErrors), controlLatency.warmLatencyMs(), null, null, 0, 0);
        return new Evidence(null, "one", null, extensions, null, new LiveMetrics(control, canary, 0), null, null, Thresholds.DEFAULTS, null, null);
    }

    private static LiveMetrics.VariantMetrics raw(long seed, int n, double medianMs) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Double> samples = Arrays.stream(new double[n]).map(x -> medianMs * Math.exp(0.5 * rng.nextGaussian())).boxed().toList();
        return new LiveMetrics.VariantMetrics(n, 0, Map.of(), samples, null, null, 0, 0);
    }

    private static RuleResult find(Verdict v, String rule) {
        return v.rules().stream().filter(r -> r.rule().equals(rule)).findFirst().orElseThrow();
    }

    private static JsonNode rule(Verdict v, String rule) throws Exception {
        return Json.MAPPER.valueToTree(find(v, rule));
    }
}
