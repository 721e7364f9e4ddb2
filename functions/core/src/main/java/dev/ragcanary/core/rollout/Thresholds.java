package dev.ragcanary.core.rollout;

import dev.ragcanary.core.json.JsonObject;
import java.util.Set;

/**
 * Limits for the core acceptance rules and the stage hard stops (docs/design.md), overridable per rollout.
 *
 * @param deltaSMedianMax          canary ΔS median on the gold probes must be at most this
 * @param coverageMin              canary mean coverage (and, at stage five, every topic's) must be at least this
 * @param latencyP95RatioMax       canary p95 warm / control p95 warm must be at most this
 * @param errorRateRatioMax        canary error rate / control error rate must be at most this
 * @param errorRateFloor           error rates below this count as this, so 0 vs 1 error is not an infinite ratio
 * @param cacheHitDropMaxPoints    canary cache hit ratio may be at most this many percentage points below control
 * @param shadowDeltaSMedianStop   shadow hard stop: canary ΔS median at or above this
 * @param maxFlippedParaphrases    fifty hard stop: more λ flips than this on one gold question
 * @param lambdaDeltaSTolerance    λ: two seeds agree when their ΔS differ by at most this
 * @param lambdaDeltaSMax          λ: a ΔS above this makes the state divergent
 * @param minWarmLatencySamples    fewest warm latency samples per variant before latency is judged
 * @param minRequests              fewest requests per variant before error rate and cache are judged
 * @param maxExtensions            how many times a stage may bake again for lack of samples
 * @param promotionWindowSeconds   traffic time over which every rule must hold before promotion to full
 * @param onInsufficientTraffic    decision once extensions are used up and samples are still missing
 * @param judgeConfidence          live-metric intervals hold simultaneously over all of a stage's looks with this
 *                                 two-sided confidence (alpha spent evenly over {@code maxExtensions + 1} looks)
 * @param medianShiftTolerance     median latency shift (Hodges-Lehmann ratio) that fails once it is also significant
 * @param errorRateCriticalRatio   error-rate ratio that fails fast (no minimum requests) once the interval lies above
 *                                 it; a stage's error rule passes once the interval lies below it
 * @param newFailureClassMinCount  occurrences of a class the control never shows before it fails the canary
 * @param postPromotionBakeSeconds after the promotion, how long the promoted version serves everyone before its live
 *                                 metrics are judged against the previous version's last figures (a failure reverts);
 *                                 0: no bake
 */
public record Thresholds(
        double deltaSMedianMax,
        double coverageMin,
        double latencyP95RatioMax,
        double errorRateRatioMax,
        double errorRateFloor,
        double cacheHitDropMaxPoints,
        double shadowDeltaSMedianStop,
        int maxFlippedParaphrases,
        double lambdaDeltaSTolerance,
        double lambdaDeltaSMax,
        int minWarmLatencySamples,
        long minRequests,
        int maxExtensions,
        long promotionWindowSeconds,
        InsufficientTraffic onInsufficientTraffic,
        double judgeConfidence,
        double medianShiftTolerance,
        double errorRateCriticalRatio,
        int newFailureClassMinCount,
        long postPromotionBakeSeconds) {

    public static final Thresholds DEFAULTS = new Thresholds(
            0.45, 0.70, 1.25, 1.20, 0.001, 5.0, 0.60, 1, 0.05, 0.60, 200, 1000, 3, 3600,
            InsufficientTraffic.ROLLBACK, 0.98, 1.25, 2.0, 3, 1800);

    /** The limits without the judge's settings, which take their defaults. */
    public Thresholds(double deltaSMedianMax, double coverageMin, double latencyP95RatioMax, double errorRateRatioMax,
                      double errorRateFloor, double cacheHitDropMaxPoints, double shadowDeltaSMedianStop,
                      int maxFlippedParaphrases, double lambdaDeltaSTolerance, double lambdaDeltaSMax,
                      int minWarmLatencySamples, long minRequests, int maxExtensions, long promotionWindowSeconds,
                      InsufficientTraffic onInsufficientTraffic) {
        this(deltaSMedianMax, coverageMin, latencyP95RatioMax, errorRateRatioMax, errorRateFloor, cacheHitDropMaxPoints,
                shadowDeltaSMedianStop, maxFlippedParaphrases, lambdaDeltaSTolerance, lambdaDeltaSMax, minWarmLatencySamples,
                minRequests, maxExtensions, promotionWindowSeconds, onInsufficientTraffic, DEFAULTS.judgeConfidence,
                DEFAULTS.medianShiftTolerance, DEFAULTS.errorRateCriticalRatio, DEFAULTS.newFailureClassMinCount,
                DEFAULTS.postPromotionBakeSeconds);
    }

    public static final Set<String> FIELDS = Set.of(
            "deltaSMedianMax", "coverageMin", "latencyP95RatioMax", "errorRateRatioMax", "errorRateFloor",
            "cacheHitDropMaxPoints", "shadowDeltaSMedianStop", "maxFlippedParaphrases", "lambdaDeltaSTolerance",
            "lambdaDeltaSMax", "minWarmLatencySamples", "minRequests", "maxExtensions", "promotionWindowSeconds",
            "onInsufficientTraffic", "judgeConfidence", "medianShiftTolerance", "errorRateCriticalRatio",
            "newFailureClassMinCount", "postPromotionBakeSeconds");

    /**
     * Reads a partial override from {@code o} on top of {@code base}; problems go to the object's problem list and
     * the base value is kept for a bad field (the caller refuses the document anyway).
     */
    public static Thresholds read(JsonObject o, Thresholds base) {
        return new Thresholds(
                or(o.number("deltaSMedianMax", base.deltaSMedianMax, 0, 1), base.deltaSMedianMax),
                or(o.number("coverageMin", base.coverageMin, 0, 1), base.coverageMin),
                or(o.number("latencyP95RatioMax", base.latencyP95RatioMax, 1, 100), base.latencyP95RatioMax),
                or(o.number("errorRateRatioMax", base.errorRateRatioMax, 1, 100), base.errorRateRatioMax),
                or(o.number("errorRateFloor", base.errorRateFloor, 0, 1), base.errorRateFloor),
                or(o.number("cacheHitDropMaxPoints", base.cacheHitDropMaxPoints, 0, 100), base.cacheHitDropMaxPoints),
                or(o.number("shadowDeltaSMedianStop", base.shadowDeltaSMedianStop, 0, 1), base.shadowDeltaSMedianStop),
                or(o.integer("maxFlippedParaphrases", (long) base.maxFlippedParaphrases, 0, 3), (long) base.maxFlippedParaphrases).intValue(),
                or(o.number("lambdaDeltaSTolerance", base.lambdaDeltaSTolerance, 0, 1), base.lambdaDeltaSTolerance),
                or(o.number("lambdaDeltaSMax", base.lambdaDeltaSMax, 0, 1), base.lambdaDeltaSMax),
                or(o.integer("minWarmLatencySamples", (long) base.minWarmLatencySamples, 1, 10_000_000), (long) base.minWarmLatencySamples).intValue(),
                or(o.integer("minRequests", base.minRequests, 1, Long.MAX_VALUE), base.minRequests),
                or(o.integer("maxExtensions", (long) base.maxExtensions, 0, 100), (long) base.maxExtensions).intValue(),
                or(o.integer("promotionWindowSeconds", base.promotionWindowSeconds, 0, 7 * 24 * 3600), base.promotionWindowSeconds),
                InsufficientTraffic.valueOf(or(o.choice("onInsufficientTraffic", base.onInsufficientTraffic.name(),
                        Set.of("ROLLBACK", "HOLD")), base.onInsufficientTraffic.name())),
                or(o.number("judgeConfidence", base.judgeConfidence, 0.5, 0.9999), base.judgeConfidence),
                or(o.number("medianShiftTolerance", base.medianShiftTolerance, 1, 100), base.medianShiftTolerance),
                or(o.number("errorRateCriticalRatio", base.errorRateCriticalRatio, 1, 1000), base.errorRateCriticalRatio),
                or(o.integer("newFailureClassMinCount", (long) base.newFailureClassMinCount, 1, 1_000_000), (long) base.newFailureClassMinCount).intValue(),
                or(o.integer("postPromotionBakeSeconds", base.postPromotionBakeSeconds, 0, 24 * 3600), base.postPromotionBakeSeconds));
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
