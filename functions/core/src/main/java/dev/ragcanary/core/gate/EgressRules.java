package dev.ragcanary.core.gate;

import dev.ragcanary.core.judge.EgressJudge;
import dev.ragcanary.core.judge.Finding;
import dev.ragcanary.core.judge.LatencyJudge;
import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.EgressMetrics.ShadowMatch;
import dev.ragcanary.core.metrics.EgressMetrics.VariantEgress;
import java.util.List;
import java.util.Map;

/**
 * Rules on the function's webhook and partner emissions (the egress library's records, docs/metrics.md "Egress").
 * Evidence without egress figures, or with no emission on either side, leaves them not applicable (a function without
 * webhooks); a variant short of emissions while the other has them is INSUFFICIENT, never a pass. The comparisons are
 * judged with the live rules' look plan and exact intervals; a partner duplicate is a hard stop at every stage.
 */
final class EgressRules {
    static final String SUCCESS_RATIO = "egress.success.ratio";
    static final String RETRIES = "egress.retries.perEmission";
    static final String AGE_P95 = "egress.age.p95.ratio";
    static final String SHADOW_MISSING = "egress.shadow.missing";
    static final String SHADOW_EXTRA = "egress.shadow.extra";
    static final String PARTNER_DUPLICATES = "egress.partner.duplicates";

    /** Every egress rule, in verdict order. */
    static final List<Rule> ALL = List.of(EgressRules::successRatio, EgressRules::retriesPerEmission,
            EgressRules::ageP95Ratio, EgressRules::shadowMissing, EgressRules::shadowExtra,
            EgressRules::partnerDuplicates);

    private EgressRules() {
    }

    static RuleResult successRatio(GateContext c) {
        String desc = "canary webhook success rate / control webhook success rate";
        double min = c.thresholds().egressSuccessRatioMin();
        RuleResult missing = missingLiveEgress(c, SUCCESS_RATIO, desc, min, ">=");
        if (missing != null) {
            return missing;
        }
        EgressMetrics e = c.evidence().egress();
        Finding f = EgressJudge.successRatio(e.canary().successes(), e.canary().emissions(), e.control().successes(),
                e.control().emissions(), min, LiveRules.plan(c));
        return LiveRules.judged(SUCCESS_RATIO, desc, f, min, ">=", sent(e), "success canary "
                + LiveRules.pct(e.canary().successRate()) + ", control " + LiveRules.pct(e.control().successRate()) + "; " + f.note());
    }

    static RuleResult retriesPerEmission(GateContext c) {
        String desc = "canary retries per emission minus control retries per emission";
        double limit = c.thresholds().egressRetriesIncreaseMax();
        RuleResult missing = missingLiveEgress(c, RETRIES, desc, limit, "<=");
        if (missing != null) {
            return missing;
        }
        EgressMetrics e = c.evidence().egress();
        int levels = Math.max(e.canary().maxRetries(), e.control().maxRetries());
        Finding f = EgressJudge.retriesIncrease(retriedMoreThan(e.canary(), levels), e.canary().triedEmissions(),
                retriedMoreThan(e.control(), levels), e.control().triedEmissions(), limit, LiveRules.plan(c));
        Map<String, Long> samples = Map.of("canary", e.canary().triedEmissions(), "control", e.control().triedEmissions());
        return LiveRules.judged(RETRIES, desc, f, limit, "<=", samples, "retries per emission canary "
                + RuleResult.format(e.canary().retriesPerEmission()) + ", control "
                + RuleResult.format(e.control().retriesPerEmission()) + "; " + f.note());
    }

    /**
     * Asked like the live p95 rule, as a share on a confidence sequence: canary accepted emissions older than the limit
     * × the control's p95 age, failing above 5 % and passing below 5 % plus the p95 margin (latencyP95Margin: both p95
     * rules ask the same question of a duration).
     */
    static RuleResult ageP95Ratio(GateContext c) {
        String desc = "share of canary accepted emissions older than egressAgeP95RatioMax x control p95 emission age"
                + " (request start to acceptance; p95 within the limit: at most 5%; passes below 5% plus the margin)";
        double ratioLimit = c.thresholds().egressAgeP95RatioMax();
        double limit = LatencyJudge.TAIL_SHARE;
        RuleResult missing = missingLiveEgress(c, AGE_P95, desc, limit, "<=");
        if (missing != null) {
            return missing;
        }
        EgressMetrics e = c.evidence().egress();
        Map<String, Long> samples = Map.of("canary", (long) e.canary().ageMs().size(), "control",
                (long) e.control().ageMs().size());
        long min = c.thresholds().egressMinEmissions();
        if (e.canary().ageMs().size() < min || e.control().ageMs().size() < min) {
            return Checks.insufficient(AGE_P95, desc, limit, "<=", samples, "needs " + min
                    + " accepted emissions with an age per variant");
        }
        Finding f = LatencyJudge.p95Exceedance(sorted(e.canary().ageMs()), sorted(e.control().ageMs()), ratioLimit,
                c.thresholds().latencyP95Margin(), "older", LiveRules.plan(c));
        return LiveRules.judged(AGE_P95, desc, f, limit, "<=", samples, f.note());
    }

    static RuleResult shadowMissing(GateContext c) {
        String desc = "share of the control's emissions on mirrored requests with no shadow emission of the same key";
        double limit = c.thresholds().egressShadowMissingRateMax();
        RuleResult missing = missingShadow(c, SHADOW_MISSING, desc, limit);
        if (missing != null) {
            return missing;
        }
        ShadowMatch s = c.evidence().egress().shadow();
        return shadowRate(c, SHADOW_MISSING, desc, s.missing(), s.controlEmissions(), limit, "missing",
                s.matched() + " of " + s.controlEmissions() + " control emissions matched");
    }

    static RuleResult shadowExtra(GateContext c) {
        String desc = "share of shadow emissions with no control emission of the same key on a mirrored request";
        double limit = c.thresholds().egressShadowExtraRateMax();
        RuleResult missing = missingShadow(c, SHADOW_EXTRA, desc, limit);
        if (missing != null) {
            return missing;
        }
        ShadowMatch s = c.evidence().egress().shadow();
        return shadowRate(c, SHADOW_EXTRA, desc, s.extra(), s.shadowEmissions(), limit, "extra",
                s.extra() + " of " + s.shadowEmissions() + " shadow emissions unmatched");
    }

    /** Any dedupe key a partner received twice fails, at every stage: the rollout must never double-post. */
    static RuleResult partnerDuplicates(GateContext c) {
        String desc = "dedupe keys a partner received more than once";
        EgressMetrics e = c.evidence().egress();
        if (e == null) {
            return Checks.notApplicable(PARTNER_DUPLICATES, desc, 0.0, "<=", noEgressNote()).asHardStop();
        }
        return Checks.atMost(PARTNER_DUPLICATES, desc, (double) e.partnerDuplicates(), 0.0, null, null).asHardStop();
    }

    /** The rules the shadow stage's egress reading decides: without that reading they are undecided, never passed. */
    static RuleResult onUnreadAtShadow(RuleResult r, String unread) {
        boolean readAtShadow = r.rule().equals(SHADOW_MISSING) || r.rule().equals(SHADOW_EXTRA)
                || r.rule().equals(PARTNER_DUPLICATES);
        return readAtShadow ? r.undecided("egress not read: " + unread) : r;
    }

    private static RuleResult shadowRate(GateContext c, String rule, String desc, long events, long trials, double limit,
                                         String what, String counts) {
        Map<String, Long> samples = Map.of("control", c.evidence().egress().shadow().controlEmissions(), "shadow",
                c.evidence().egress().shadow().shadowEmissions());
        long min = c.thresholds().egressMinEmissions();
        if (trials < min) {
            return Checks.insufficient(rule, desc, limit, "<=", samples, counts + "; needs " + min + " to judge");
        }
        Finding f = EgressJudge.rateAtMost(events, trials, limit, what, LiveRules.plan(c));
        return LiveRules.judged(rule, desc, f, limit, "<=", samples, counts + "; " + f.note());
    }

    /**
     * Not applicable without egress figures, without emissions on either side, or at a stage where one variant serves
     * no user; INSUFFICIENT while either variant has fewer sent emissions than the minimum.
     */
    private static RuleResult missingLiveEgress(GateContext c, String rule, String desc, double limit, String comparator) {
        EgressMetrics e = c.evidence().egress();
        if (e == null) {
            return Checks.notApplicable(rule, desc, limit, comparator, noEgressNote());
        }
        if (!c.liveTrafficOnBothVariants()) {
            return Checks.notApplicable(rule, desc, limit, comparator, c.stage().isShadow()
                    ? "no user traffic on the canary at weight 0 (its shadow emissions are judged by egress.shadow.*)"
                    : "no control traffic left at weight 1");
        }
        if (!e.anyEmission()) {
            return Checks.notApplicable(rule, desc, limit, comparator, "neither variant recorded an emission");
        }
        long min = c.thresholds().egressMinEmissions();
        if (e.canary() == null || e.control() == null || e.canary().emissions() < min || e.control().emissions() < min) {
            return Checks.insufficient(rule, desc, limit, comparator, sent(e), "needs " + min
                    + " sent emissions per variant" + (e.canary() == null || e.canary().recorded() == 0
                    ? "; the canary recorded none while the control did" : ""));
        }
        return null;
    }

    /** The router mirrors requests to the canary only at the shadow stage, so the sink is empty from stage one on. */
    private static RuleResult missingShadow(GateContext c, String rule, String desc, double limit) {
        EgressMetrics e = c.evidence().egress();
        if (e == null) {
            return Checks.notApplicable(rule, desc, limit, "<=", noEgressNote());
        }
        if (!c.stage().isShadow()) {
            return Checks.notApplicable(rule, desc, limit, "<=",
                    "requests are mirrored to the canary only at the shadow stage; the sink receives nothing after it");
        }
        if (!e.anyEmission()) {
            return Checks.notApplicable(rule, desc, limit, "<=", "neither variant recorded an emission");
        }
        if (e.shadow() == null) {
            return Checks.insufficient(rule, desc, limit, "<=", null,
                    "shadow emissions not matched: no sink reading in the evidence");
        }
        return null;
    }

    private static long[] retriedMoreThan(VariantEgress v, int levels) {
        long[] out = new long[levels];
        for (int j = 0; j < levels; j++) {
            out[j] = v.retriedMoreThan(j);
        }
        return out;
    }

    private static Map<String, Long> sent(EgressMetrics e) {
        return Map.of("canary", e.canary() == null ? 0 : e.canary().emissions(), "control",
                e.control() == null ? 0 : e.control().emissions());
    }

    private static double[] sorted(List<Double> samples) {
        return samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static String noEgressNote() {
        return "no egress figures in the evidence (the function records no emissions, or the source does not read them)";
    }
}
