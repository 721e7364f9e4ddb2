package dev.ragcanary.core.gate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.EgressMetrics.ShadowMatch;
import dev.ragcanary.core.metrics.EgressMetrics.VariantEgress;
import dev.ragcanary.core.rollout.InsufficientTraffic;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EgressRulesTest {
    private static final Stage SHADOW = StageLadder.defaultStage("shadow").orElseThrow();
    private static final Stage FIVE = StageLadder.defaultStage("five").orElseThrow();
    private static final Stage FIFTY = StageLadder.defaultStage("fifty").orElseThrow();
    private static final VariantEgress HEALTHY_CONTROL = variant(20_000, 19_800, Map.of(1, 19_800L, 2, 200L), ages(1, 2_000, 40));

    @Test
    void successRatioPassesWhenTheCanarySucceedsAsOftenAsTheControl() {
        RuleResult r = EgressRules.successRatio(context(FIVE, egress(variant(2_000, 1_980, Map.of(), List.of()))));
        assertThat(r.outcome()).isEqualTo(Outcome.PASS);
        assertThat(r.comparator()).isEqualTo(">=");
        assertThat(r.interval().low()).isGreaterThan(0.97);
    }

    @Test
    void successRatioFailsWhenTheCanaryFailsItsWebhookMoreOften() {
        RuleResult r = EgressRules.successRatio(context(FIVE, egress(variant(1_000, 800, Map.of(), List.of()))));
        assertThat(r.outcome()).isEqualTo(Outcome.FAIL);
        assertThat((double) r.observed()).isBetween(0.80, 0.82);
        assertThat(r.note()).contains("success canary 80%, control 99%");
    }

    @Test
    void successRatioIsInsufficientWhileTheIntervalStraddlesTheMinimumOrEmissionsAreFew() {
        assertThat(EgressRules.successRatio(context(FIVE, egress(variant(300, 291, Map.of(), List.of())))).outcome())
                .isEqualTo(Outcome.INSUFFICIENT);
        RuleResult few = EgressRules.successRatio(context(FIVE, egress(variant(150, 150, Map.of(), List.of()))));
        assertThat(few.outcome()).isEqualTo(Outcome.INSUFFICIENT);
        assertThat(few.note()).contains("needs 200 sent emissions per variant");
    }

    @Test
    void aCanaryWithoutEmissionsWhileTheControlEmitsIsNeverAPass() {
        RuleResult r = EgressRules.successRatio(context(FIVE, egress(variant(0, 0, Map.of(), List.of()))));
        assertThat(r.outcome()).isEqualTo(Outcome.INSUFFICIENT);
        assertThat(r.note()).contains("the canary recorded none while the control did");
    }

    @Test
    void evidenceWithoutEgressOrWithoutAnyEmissionLeavesTheEgressRulesNotApplicable() {
        Verdict none = GateEngine.standard().evaluate(FIVE, Thresholds.DEFAULTS, evidence(FIVE, null));
        EgressMetrics silent = new EgressMetrics(variant(0, 0, Map.of(), List.of()), variant(0, 0, Map.of(), List.of()), 0, null);
        Verdict quiet = GateEngine.standard().evaluate(FIVE, Thresholds.DEFAULTS, evidence(FIVE, silent));
        for (String rule : List.of(EgressRules.SUCCESS_RATIO, EgressRules.RETRIES, EgressRules.AGE_P95,
                EgressRules.SHADOW_MISSING, EgressRules.SHADOW_EXTRA, EgressRules.PARTNER_DUPLICATES)) {
            assertThat(find(none, rule).outcome()).as(rule).isEqualTo(Outcome.NOT_APPLICABLE);
            assertThat(find(none, rule).note()).contains("no egress figures");
        }
        assertThat(find(quiet, EgressRules.SUCCESS_RATIO).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        assertThat(find(quiet, EgressRules.SUCCESS_RATIO).note()).isEqualTo("neither variant recorded an emission");
        assertThat(find(quiet, EgressRules.PARTNER_DUPLICATES).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void liveEgressComparisonsDoNotApplyAtTheShadowStage() {
        RuleResult r = EgressRules.successRatio(context(SHADOW, egress(variant(2_000, 1_980, Map.of(), List.of()))));
        assertThat(r.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        assertThat(r.note()).contains("egress.shadow.*");
    }

    @Test
    void retriesPerEmissionPassesFailsOrWaits() {
        RuleResult pass = EgressRules.retriesPerEmission(context(FIVE,
                egress(variant(2_000, 2_000, Map.of(1, 1_980L, 2, 20L), List.of()))));
        RuleResult fail = EgressRules.retriesPerEmission(context(FIVE,
                egress(variant(1_000, 1_000, Map.of(1, 700L, 2, 200L, 3, 100L), List.of()))));
        RuleResult undecided = EgressRules.retriesPerEmission(context(FIVE,
                egress(variant(300, 300, Map.of(1, 282L, 2, 18L), List.of()))));
        assertThat(pass.outcome()).isEqualTo(Outcome.PASS);
        assertThat(fail.outcome()).isEqualTo(Outcome.FAIL);
        assertThat((double) fail.observed()).isEqualTo(0.39);
        assertThat(fail.note()).contains("retries per emission canary 0.4, control 0.01");
        assertThat(undecided.outcome()).isEqualTo(Outcome.INSUFFICIENT);
    }

    @Test
    void ageP95RatioPassesFailsOrWaitsLikeTheLatencyRule() {
        RuleResult pass = EgressRules.ageP95Ratio(context(FIVE, egress(variant(2_000, 2_000, Map.of(1, 2_000L), ages(2, 2_000, 40)))));
        RuleResult fail = EgressRules.ageP95Ratio(context(FIVE, egress(variant(2_000, 2_000, Map.of(1, 2_000L), ages(3, 2_000, 80)))));
        RuleResult few = EgressRules.ageP95Ratio(context(FIVE, egress(variant(2_000, 2_000, Map.of(1, 2_000L), ages(4, 100, 40)))));
        assertThat(pass.outcome()).isEqualTo(Outcome.PASS);
        assertThat(fail.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(fail.note()).startsWith("older than ");
        assertThat(fail.limit()).as("fails above 5 %, passes below 5 % + latencyP95Margin").isEqualTo(0.05);
        assertThat(few.outcome()).isEqualTo(Outcome.INSUFFICIENT);
        assertThat(few.note()).contains("accepted emissions with an age");
    }

    @Test
    void shadowEmissionsMissingOrExtraAreJudgedAgainstTheirLimits() {
        assertThat(EgressRules.shadowMissing(context(SHADOW, shadow(1_000, 1_000, 1_000, 0, 0))).outcome()).isEqualTo(Outcome.PASS);
        assertThat(EgressRules.shadowExtra(context(SHADOW, shadow(1_000, 1_000, 1_000, 0, 0))).outcome()).isEqualTo(Outcome.PASS);
        RuleResult missing = EgressRules.shadowMissing(context(SHADOW, shadow(1_000, 900, 900, 100, 0)));
        assertThat(missing.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(missing.note()).startsWith("900 of 1000 control emissions matched");
        assertThat(EgressRules.shadowExtra(context(SHADOW, shadow(1_000, 1_100, 1_000, 0, 100))).outcome()).isEqualTo(Outcome.FAIL);
        assertThat(EgressRules.shadowMissing(context(SHADOW, shadow(300, 295, 295, 5, 0))).outcome()).isEqualTo(Outcome.INSUFFICIENT);
        assertThat(EgressRules.shadowExtra(context(SHADOW, shadow(100, 100, 100, 0, 0))).outcome()).isEqualTo(Outcome.INSUFFICIENT);
    }

    @Test
    void aShadowBakeOfThreeHundredMatchedEmissionsPassesWithoutAnExtension() {
        // The shadow stage takes no live looks: its error budget is split over its bakes, not over looks it never takes.
        assertThat(EgressRules.shadowMissing(context(SHADOW, shadow(300, 300, 300, 0, 0))).outcome()).isEqualTo(Outcome.PASS);
        assertThat(EgressRules.shadowExtra(context(SHADOW, shadow(300, 300, 300, 0, 0))).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void shadowRulesApplyOnlyAtTheShadowStageAndNeedASinkReading() {
        RuleResult later = EgressRules.shadowMissing(context(FIFTY, shadow(1_000, 1_000, 1_000, 0, 0)));
        assertThat(later.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        assertThat(later.note()).contains("only at the shadow stage");
        RuleResult unread = EgressRules.shadowExtra(context(SHADOW, egress(variant(0, 0, Map.of(), List.of()))));
        assertThat(unread.outcome()).isEqualTo(Outcome.INSUFFICIENT);
        assertThat(unread.note()).contains("no sink reading");
    }

    @Test
    void aPartnerDuplicateIsAHardStopAtEveryStage() throws Exception {
        for (Stage stage : StageLadder.DEFAULT) {
            EgressMetrics duplicated = new EgressMetrics(HEALTHY_CONTROL, HEALTHY_CONTROL, 1, null);
            Verdict v = GateEngine.standard().evaluate(stage, Thresholds.DEFAULTS, evidence(stage, duplicated));
            RuleResult r = find(v, EgressRules.PARTNER_DUPLICATES);
            assertThat(r.outcome()).as(stage.name()).isEqualTo(Outcome.FAIL);
            assertThat(r.hardStop()).as(stage.name()).isTrue();
            assertThat(v.decision()).as(stage.name()).isEqualTo(Decision.ROLLBACK);
            assertThat(v.reason()).as(stage.name()).startsWith("hard stop at stage " + stage.name())
                    .contains("egress.partner.duplicates: observed 1");
        }
        Verdict clean = GateEngine.standard().evaluate(FIVE, Thresholds.DEFAULTS, evidence(FIVE, egress(HEALTHY_CONTROL)));
        assertThat(find(clean, EgressRules.PARTNER_DUPLICATES).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void theVerdictShowsEachEgressRuleWithEstimateIntervalLimitAndSamples() throws Exception {
        Verdict v = GateEngine.standard().evaluate(FIVE, Thresholds.DEFAULTS,
                evidence(FIVE, egress(variant(1_000, 800, Map.of(1, 1_000L), ages(5, 1_000, 40)))));
        JsonNode r = Json.MAPPER.valueToTree(find(v, EgressRules.SUCCESS_RATIO));
        assertThat(r.get("outcome").asText()).isEqualTo("FAIL");
        assertThat(r.get("limit").asDouble()).isEqualTo(0.97);
        assertThat(r.get("interval").get("high").asDouble()).isLessThan(0.97);
        assertThat(r.get("samples").get("canary").asLong()).isEqualTo(1_000);
        assertThat(v.decision()).isEqualTo(Decision.ROLLBACK);
        assertThat(v.reason()).contains("egress.success.ratio: observed");
    }

    @Test
    void anUnreadEgressQueryAtShadowLeavesTheShadowRulesUndecidedSoTheStageBakesAgainThenFollowsThePolicy() {
        Evidence unread = new Evidence(null, SHADOW.name(), null, 0, null, null, null, null, Thresholds.DEFAULTS, null, null);
        Verdict first = GateEngine.standard().evaluateWithShadowEgressUnread(SHADOW, Thresholds.DEFAULTS, unread,
                "mirrored emissions query q1 in us-east-1 (Running), stopped at the deadline");
        for (String rule : List.of(EgressRules.SHADOW_MISSING, EgressRules.SHADOW_EXTRA, EgressRules.PARTNER_DUPLICATES)) {
            assertThat(find(first, rule).outcome()).isEqualTo(Outcome.INSUFFICIENT);
            assertThat(find(first, rule).note()).startsWith("egress not read: mirrored emissions query q1");
        }
        assertThat(first.decision()).isEqualTo(Decision.EXTEND);
        Evidence spent = new Evidence(null, SHADOW.name(), null, Thresholds.DEFAULTS.maxExtensions(), null, null, null,
                null, Thresholds.DEFAULTS, null, null);
        Verdict last = GateEngine.standard().evaluateWithShadowEgressUnread(SHADOW, Thresholds.DEFAULTS, spent, "q1");
        assertThat(last.decision()).isEqualTo(Thresholds.DEFAULTS.onInsufficientTraffic() == InsufficientTraffic.HOLD
                ? Decision.HOLD : Decision.ROLLBACK);
        assertThat(last.reason()).startsWith("not enough traffic to judge");
    }

    @Test
    void egressThresholdsOverrideFieldByField() {
        Thresholds t = EvidenceParser.parseThresholds("{\"egressSuccessRatioMin\": 0.5}", Thresholds.DEFAULTS);
        assertThat(t.egressSuccessRatioMin()).isEqualTo(0.5);
        assertThat(t.egressShadowMissingRateMax()).isEqualTo(0.02);
        RuleResult r = EgressRules.successRatio(new GateContext(FIVE, t,
                evidence(FIVE, egress(variant(1_000, 800, Map.of(), List.of())))));
        assertThat(r.outcome()).isEqualTo(Outcome.PASS);
    }

    private static GateContext context(Stage stage, EgressMetrics egress) {
        return new GateContext(stage, Thresholds.DEFAULTS, evidence(stage, egress));
    }

    private static Evidence evidence(Stage stage, EgressMetrics egress) {
        return new Evidence(null, stage.name(), null, 0, null, null, null, null, Thresholds.DEFAULTS, egress, null);
    }

    private static EgressMetrics egress(VariantEgress canary) {
        return new EgressMetrics(HEALTHY_CONTROL, canary, 0, null);
    }

    private static EgressMetrics shadow(long control, long shadow, long matched, long missing, long extra) {
        return new EgressMetrics(variant(0, 0, Map.of(), List.of()), variant(0, 0, Map.of(), List.of()), 0,
                new ShadowMatch(control, shadow, matched, missing, extra));
    }

    private static VariantEgress variant(long emissions, long successes, Map<Integer, Long> tries, List<Double> ages) {
        return new VariantEgress(emissions, successes, tries, ages, 0);
    }

    private static List<Double> ages(long seed, int n, double medianMs) {
        SplittableRandom rng = new SplittableRandom(seed);
        return Arrays.stream(new double[n]).map(x -> medianMs * Math.exp(0.4 * rng.nextGaussian())).boxed().toList();
    }

    private static RuleResult find(Verdict v, String rule) {
        return v.rules().stream().filter(r -> r.rule().equals(rule)).findFirst().orElseThrow();
    }
}
