package dev.ragcanary.core.gate;

import java.util.List;
import java.util.Map;

/**
 * Rules judged from live traffic, canary against control. A variant that should have traffic but reports none is
 * INSUFFICIENT, never a pass.
 */
final class LiveRules {
    static final String LATENCY = "live.latency.p95.ratio";
    static final String ERROR_RATE = "live.errors.rate.ratio";
    static final String NEW_FAILURE_CLASS = "live.errors.newFailureClass";
    static final String CACHE_HIT_DROP = "live.cache.hitRatio.drop";
    static final String CACHE_COLLISIONS = "live.cache.prefixCollisions";

    private LiveRules() {
    }

    static RuleResult latencyP95Ratio(GateContext c) {
        String desc = "canary p95 warm latency / control p95 warm latency";
        double limit = c.thresholds().latencyP95RatioMax();
        if (!c.liveTrafficOnBothVariants()) {
            return Checks.notApplicable(LATENCY, desc, limit, "<=", noComparisonNote(c));
        }
        LiveMetrics live = c.evidence().live();
        if (live == null || live.control() == null || live.canary() == null) {
            return Checks.insufficient(LATENCY, desc, limit, "<=", null, "no live metrics");
        }
        long canaryN = live.canary().warmCount();
        long controlN = live.control().warmCount();
        Map<String, Long> samples = Map.of("canary", canaryN, "control", controlN);
        int min = c.thresholds().minWarmLatencySamples();
        if (canaryN < min || controlN < min) {
            return Checks.insufficient(LATENCY, desc, limit, "<=", samples, "needs " + min + " warm samples per variant");
        }
        double canaryP95 = live.canary().p95Warm();
        double controlP95 = live.control().p95Warm();
        return Checks.atMost(LATENCY, desc, canaryP95 / controlP95, limit, samples,
                "p95 canary " + RuleResult.format(canaryP95) + " ms, control " + RuleResult.format(controlP95) + " ms");
    }

    static RuleResult errorRateRatio(GateContext c) {
        String desc = "canary error rate / control error rate (rates below the floor count as the floor)";
        double limit = c.thresholds().errorRateRatioMax();
        if (!c.liveTrafficOnBothVariants()) {
            return Checks.notApplicable(ERROR_RATE, desc, limit, "<=", noComparisonNote(c));
        }
        LiveMetrics live = c.evidence().live();
        if (live == null || live.control() == null || live.canary() == null) {
            return Checks.insufficient(ERROR_RATE, desc, limit, "<=", null, "no live metrics");
        }
        Map<String, Long> samples = Map.of("canary", live.canary().requests(), "control", live.control().requests());
        long min = c.thresholds().minRequests();
        if (live.canary().requests() < min || live.control().requests() < min) {
            return Checks.insufficient(ERROR_RATE, desc, limit, "<=", samples, "needs " + min + " requests per variant");
        }
        double floor = c.thresholds().errorRateFloor();
        double canaryRate = Math.max(live.canary().errorRate(), floor);
        double controlRate = Math.max(live.control().errorRate(), floor);
        return Checks.atMost(ERROR_RATE, desc, canaryRate / controlRate, limit, samples,
                "error rate canary " + pct(live.canary().errorRate()) + ", control " + pct(live.control().errorRate()));
    }

    /** A failure class the control never shows fails at once, whatever the sample count. */
    static RuleResult newFailureClass(GateContext c) {
        String desc = "failure classes on the canary that the control does not have";
        if (!c.liveTrafficOnBothVariants()) {
            return Checks.notApplicable(NEW_FAILURE_CLASS, desc, 0.0, "<=", noComparisonNote(c));
        }
        LiveMetrics live = c.evidence().live();
        if (live == null || live.control() == null || live.canary() == null) {
            return Checks.insufficient(NEW_FAILURE_CLASS, desc, 0.0, "<=", null, "no live metrics");
        }
        List<String> fresh = live.canary().failureClasses().entrySet().stream()
                .filter(e -> e.getValue() > 0 && live.control().failureClasses().getOrDefault(e.getKey(), 0L) == 0)
                .map(Map.Entry::getKey).sorted().toList();
        Map<String, Long> samples = Map.of("canary", live.canary().requests(), "control", live.control().requests());
        if (fresh.isEmpty() && live.canary().requests() < c.thresholds().minRequests()) {
            return Checks.insufficient(NEW_FAILURE_CLASS, desc, 0.0, "<=", samples,
                    "needs " + c.thresholds().minRequests() + " canary requests to say none appeared");
        }
        return Checks.compare(NEW_FAILURE_CLASS, desc, (double) fresh.size(), 0.0, "<=", fresh.isEmpty(), samples,
                fresh.isEmpty() ? null : "new: " + ProbeRules.firstFew(fresh));
    }

    static RuleResult cacheHitDrop(GateContext c) {
        String desc = "percentage points by which the canary cache hit ratio is below the control's";
        double limit = c.thresholds().cacheHitDropMaxPoints();
        if (!c.liveTrafficOnBothVariants()) {
            return Checks.notApplicable(CACHE_HIT_DROP, desc, limit, "<=", noComparisonNote(c));
        }
        LiveMetrics live = c.evidence().live();
        if (live == null || live.control() == null || live.canary() == null) {
            return Checks.insufficient(CACHE_HIT_DROP, desc, limit, "<=", null, "no live metrics");
        }
        Map<String, Long> samples = Map.of("canary", live.canary().cacheLookups(), "control", live.control().cacheLookups());
        long min = c.thresholds().minRequests();
        if (live.canary().cacheLookups() < min || live.control().cacheLookups() < min) {
            return Checks.insufficient(CACHE_HIT_DROP, desc, limit, "<=", samples, "needs " + min + " cache lookups per variant");
        }
        double drop = (live.control().cacheHitRatio() - live.canary().cacheHitRatio()) * 100.0;
        return Checks.atMost(CACHE_HIT_DROP, desc, drop, limit, samples,
                "hit ratio canary " + pct(live.canary().cacheHitRatio()) + ", control " + pct(live.control().cacheHitRatio()));
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

    private static String pct(double ratio) {
        return Double.isNaN(ratio) ? "n/a" : RuleResult.format(ratio * 100.0) + "%";
    }
}
