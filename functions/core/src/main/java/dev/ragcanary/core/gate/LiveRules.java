package dev.ragcanary.core.gate;

import dev.ragcanary.core.judge.CacheJudge;
import dev.ragcanary.core.judge.ErrorRateJudge;
import dev.ragcanary.core.judge.FailureClassJudge;
import dev.ragcanary.core.judge.Finding;
import dev.ragcanary.core.judge.LatencyJudge;
import dev.ragcanary.core.judge.LookPlan;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.Map;

/**
 * Rules judged from live traffic, canary against control. Latency, error rate, new failure classes and the cache hit
 * ratio go through the statistical judge ({@code dev.ragcanary.core.judge}): PASS or FAIL only when the evidence is confident, INSUFFICIENT
 * (bake again) while it is not. A variant that should have traffic but reports none is INSUFFICIENT, never a pass.
 */
final class LiveRules {
    static final String LATENCY = "live.latency.p95.ratio";
    static final String MEDIAN_SHIFT = "live.latency.median.shift";
    static final String ERROR_RATE = "live.errors.rate.ratio";
    static final String ERROR_RATE_CRITICAL = "live.errors.rate.critical";
    static final String NEW_FAILURE_CLASS = "live.errors.newFailureClass";
    static final String CACHE_HIT_DROP = "live.cache.hitRatio.drop";
    static final String CACHE_COLLISIONS = "live.cache.prefixCollisions";

    private LiveRules() {
    }

    /**
     * Judged as a share: canary warm requests slower than the limit × the control's p95, failing above 5 % and passing
     * below 5 % plus the margin, on a confidence sequence; a p95-only source falls back to the point estimate of the ratio.
     */
    static RuleResult latencyP95Ratio(GateContext c) {
        String desc = "share of canary warm requests slower than latencyP95RatioMax x control p95 warm (p95 within the limit: at most 5%; passes below 5% plus the margin)";
        double ratioLimit = c.thresholds().latencyP95RatioMax();
        double shareLimit = LatencyJudge.TAIL_SHARE;
        RuleResult missing = missingLatency(c, LATENCY, desc, shareLimit, "<=");
        if (missing != null) {
            return missing;
        }
        LiveMetrics live = c.evidence().live();
        Map<String, Long> samples = Map.of("canary", live.canary().warmCount(), "control", live.control().warmCount());
        double canaryP95 = live.canary().p95Warm();
        double controlP95 = live.control().p95Warm();
        String p95s = "p95 canary " + RuleResult.format(canaryP95) + " ms, control " + RuleResult.format(controlP95)
                + " ms (ratio " + RuleResult.format(canaryP95 / controlP95) + ", limit <= " + RuleResult.format(ratioLimit) + ")";
        if (!hasRawSamples(live)) {
            return Checks.atMost(LATENCY, "canary p95 warm latency / control p95 warm latency", canaryP95 / controlP95,
                    ratioLimit, samples, p95s + "; point estimate: the metrics source gave p95 only, no raw samples, so no interval");
        }
        Finding f = LatencyJudge.p95Exceedance(sorted(live.canary()), sorted(live.control()), ratioLimit,
                c.thresholds().latencyP95Margin(), plan(c));
        return judged(LATENCY, desc, f, shareLimit, "<=", samples, p95s + "; " + f.note());
    }

    /** Kayenta's Mann-Whitney test on the median shift; needs raw samples. */
    static RuleResult latencyMedianShift(GateContext c) {
        String desc = "canary / control warm latency, Hodges-Lehmann median shift (fails when significant and at least the tolerance)";
        double tolerance = c.thresholds().medianShiftTolerance();
        RuleResult missing = missingLatency(c, MEDIAN_SHIFT, desc, tolerance, "<");
        if (missing != null) {
            return missing;
        }
        LiveMetrics live = c.evidence().live();
        if (!hasRawSamples(live)) {
            return Checks.notApplicable(MEDIAN_SHIFT, desc, tolerance, "<", "needs raw warm latency samples; the metrics source gave p95 only");
        }
        Map<String, Long> samples = Map.of("canary", live.canary().warmCount(), "control", live.control().warmCount());
        Finding f = LatencyJudge.medianShift(sorted(live.canary()), sorted(live.control()), tolerance, plan(c));
        return judged(MEDIAN_SHIFT, desc, f, tolerance, "<", samples, f.note());
    }

    static RuleResult errorRateRatio(GateContext c) {
        String desc = "canary error rate / control error rate (rates below the floor count as the floor)";
        double limit = c.thresholds().errorRateRatioMax();
        RuleResult missing = missingLive(c, ERROR_RATE, desc, limit, "<=");
        if (missing != null) {
            return missing;
        }
        LiveMetrics live = c.evidence().live();
        Map<String, Long> samples = Map.of("canary", live.canary().requests(), "control", live.control().requests());
        long min = c.thresholds().minRequests();
        if (live.canary().requests() < min || live.control().requests() < min) {
            return Checks.insufficient(ERROR_RATE, desc, limit, "<=", samples, "needs " + min + " requests per variant");
        }
        Finding f = ErrorRateJudge.ratio(live.canary().errors(), live.canary().requests(), live.control().errors(),
                live.control().requests(), c.thresholds().errorRateFloor(), c.thresholds().errorRateMargin(), limit,
                c.thresholds().errorRateCriticalRatio(), plan(c));
        return judged(ERROR_RATE, desc, f, limit, "<=", samples, rates(live) + "; " + f.note());
    }

    /** Fails fast on a severe error regression: no minimum request count, only the interval. */
    static RuleResult errorRateCritical(GateContext c) {
        String desc = "canary error rate / control error rate, critical bound (judged from the first request)";
        double critical = c.thresholds().errorRateCriticalRatio();
        RuleResult missing = missingLive(c, ERROR_RATE_CRITICAL, desc, critical, "<");
        if (missing != null) {
            return missing;
        }
        LiveMetrics live = c.evidence().live();
        Map<String, Long> samples = Map.of("canary", live.canary().requests(), "control", live.control().requests());
        if (live.canary().requests() == 0 || live.control().requests() == 0) {
            return Checks.insufficient(ERROR_RATE_CRITICAL, desc, critical, "<", samples, "no requests yet");
        }
        Finding f = ErrorRateJudge.critical(live.canary().errors(), live.canary().requests(), live.control().errors(),
                live.control().requests(), c.thresholds().errorRateFloor(), c.thresholds().errorRateMargin(), critical, plan(c));
        return judged(ERROR_RATE_CRITICAL, desc, f, critical, "<", samples, rates(live) + "; " + f.note());
    }

    /** A class the control never shows fails once its canary-only count is improbable under the traffic split. */
    static RuleResult newFailureClass(GateContext c) {
        String desc = "failure classes on the canary that the control does not have";
        RuleResult missing = missingLive(c, NEW_FAILURE_CLASS, desc, 0.0, "<=");
        if (missing != null) {
            return missing;
        }
        LiveMetrics live = c.evidence().live();
        Map<String, Long> samples = Map.of("canary", live.canary().requests(), "control", live.control().requests());
        Finding f = FailureClassJudge.newClasses(live.canary().failureClasses(), live.control().failureClasses(),
                live.canary().requests(), live.control().requests(), c.thresholds().newFailureClassMinCount(),
                c.thresholds().minRequests(), plan(c));
        return judged(NEW_FAILURE_CLASS, desc, f, 0.0, "<=", samples, f.note());
    }

    static RuleResult judged(String rule, String desc, Finding f, double limit, String comparator,
                                     Map<String, Long> samples, String note) {
        Outcome outcome = switch (f.call()) {
            case PASS -> Outcome.PASS;
            case FAIL -> Outcome.FAIL;
            case UNDECIDED -> Outcome.INSUFFICIENT;
        };
        Object observed = Double.isNaN(f.estimate()) ? null : Math.round(f.estimate() * 10_000.0) / 10_000.0;
        return new RuleResult(rule, desc, outcome, false, observed, limit, comparator, samples, note,
                f.interval() == null ? null : f.interval().rounded());
    }

    private static RuleResult missingLive(GateContext c, String rule, String desc, double limit, String comparator) {
        if (!c.liveTrafficOnBothVariants()) {
            return Checks.notApplicable(rule, desc, limit, comparator, noComparisonNote(c));
        }
        LiveMetrics live = c.evidence().live();
        if (live == null || live.control() == null || live.canary() == null) {
            return Checks.insufficient(rule, desc, limit, comparator, null, "no live metrics");
        }
        return null;
    }

    private static RuleResult missingLatency(GateContext c, String rule, String desc, double limit, String comparator) {
        RuleResult missing = missingLive(c, rule, desc, limit, comparator);
        if (missing != null) {
            return missing;
        }
        LiveMetrics live = c.evidence().live();
        long canaryN = live.canary().warmCount();
        long controlN = live.control().warmCount();
        int min = c.thresholds().minWarmLatencySamples();
        if (canaryN < min || controlN < min) {
            return Checks.insufficient(rule, desc, limit, comparator, Map.of("canary", canaryN, "control", controlN),
                    "needs " + min + " warm samples per variant");
        }
        return null;
    }

    private static boolean hasRawSamples(LiveMetrics live) {
        return live.canary().warmLatencyMs() != null && live.control().warmLatencyMs() != null;
    }

    private static double[] sorted(LiveMetrics.VariantMetrics v) {
        return v.warmLatencyMs().stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** The rank rules' error budget is spread over the stage's planned looks; the anytime-valid rules spend theirs once. */
    static LookPlan plan(GateContext c) {
        Thresholds t = c.thresholds();
        return new LookPlan(t.judgeConfidence(), LookPlan.plannedLooks(c.stage().weight(), t.maxExtensions(),
                c.stage().bakeSeconds(), t.lookIntervalSeconds()));
    }

    private static String rates(LiveMetrics live) {
        return "error rate canary " + pct(live.canary().errorRate()) + ", control " + pct(live.control().errorRate());
    }

    static RuleResult cacheHitDrop(GateContext c) {
        String desc = "percentage points by which the canary cache hit ratio is below the control's";
        double limit = c.thresholds().cacheHitDropMaxPoints();
        RuleResult missing = missingLive(c, CACHE_HIT_DROP, desc, limit, "<=");
        if (missing != null) {
            return missing;
        }
        LiveMetrics live = c.evidence().live();
        Map<String, Long> samples = Map.of("canary", live.canary().cacheLookups(), "control", live.control().cacheLookups());
        long min = c.thresholds().minRequests();
        if (live.canary().cacheLookups() < min || live.control().cacheLookups() < min) {
            return Checks.insufficient(CACHE_HIT_DROP, desc, limit, "<=", samples, "needs " + min + " cache lookups per variant");
        }
        Finding f = CacheJudge.hitRatioDrop(live.canary().cacheHits(), live.canary().cacheLookups(), live.control().cacheHits(),
                live.control().cacheLookups(), limit, plan(c));
        return judged(CACHE_HIT_DROP, desc, f, limit, "<=", samples, "hit ratio canary " + pct(live.canary().cacheHitRatio())
                + ", control " + pct(live.control().cacheHitRatio()) + "; " + f.note());
    }

    static RuleResult cachePrefixCollisions(GateContext c) {
        String desc = "cache invalidations in which control and canary keys collided";
        LiveMetrics live = c.evidence().live();
        if (live == null) {
            return Checks.insufficient(CACHE_COLLISIONS, desc, 0.0, "<=", null, "no live metrics");
        }
        return Checks.atMost(CACHE_COLLISIONS, desc, (double) live.cachePrefixCollisions(), 0.0, null, null);
    }

    private static String noComparisonNote(GateContext c) {
        return c.stage().isShadow() ? "no user traffic on the canary at weight 0" : "no control traffic left at weight 1";
    }

    static String pct(double ratio) {
        return Double.isNaN(ratio) ? "n/a" : RuleResult.format(ratio * 100.0) + "%";
    }
}
