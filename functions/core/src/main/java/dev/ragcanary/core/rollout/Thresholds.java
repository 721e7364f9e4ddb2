package dev.ragcanary.core.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;

/**
 * Limits for the core acceptance rules and the stage hard stops (docs/design.md), overridable per rollout.
 *
 * @param deltaSMedianMax          canary ΔS median on the gold probes must be at most this
 * @param coverageMin              canary mean coverage (and, at stage five, every topic's) must be at least this
 * @param latencyP95RatioMax       canary p95 warm / control p95 warm must be at most this
 * @param errorRateRatioMax        canary error rate / control error rate must be at most this
 * @param errorRateFloor           error rates below this count as this in the reported ratio, so 0 vs 1 error is not an
 *                                 infinite ratio
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
 *                                 two-sided confidence (docs/statistical-judge.md: confidence sequences, and alpha
 *                                 spent evenly over every look the stage can take for the rank rules)
 * @param medianShiftTolerance     median latency shift (Hodges-Lehmann ratio) that fails once it is also significant
 * @param errorRateCriticalRatio   error-rate ratio that fails fast (no minimum requests) once the interval lies above
 *                                 it; a stage's error rule passes once the interval lies below it
 * @param newFailureClassMinCount  occurrences of a class the control never shows before it fails the canary
 * @param postPromotionBakeSeconds after the promotion, how long the promoted version serves everyone before its live
 *                                 metrics are judged against the previous version's last figures (a failure reverts);
 *                                 0: no bake
 * @param lookIntervalSeconds      during a bake the stage machine takes a live-only look this often (no probes); a look
 *                                 rolls back as soon as a live rule is confidently broken, and never promotes
 * @param errorRateMargin          absolute tolerance for passing the error-rate rules (a fraction: 0.001 is 0.1 points):
 *                                 a canary whose rate is confidently below the control's plus this passes; it never
 *                                 loosens the fail line (rate confidently above the ratio limit × the control's)
 * @param latencyP95Margin         tolerance for passing the p95 rule, asked as a share: it fails when more than 5 % of
 *                                 the canary's warm requests are confidently slower than latencyP95RatioMax × the
 *                                 control's p95, and passes when confidently fewer than 5 % plus this are
 * @param egressMinEmissions            fewest sent emissions per variant (and control emissions on mirrored
 *                                      requests, shadow emissions) before an egress rule judges
 * @param egressSuccessRatioMin         canary webhook success rate / control's must be at least this
 * @param egressRetriesIncreaseMax      canary retries per emission minus the control's must be at most this
 * @param egressAgeP95RatioMax          at most 5 % of the canary's accepted emissions may be older than this × the
 *                                      control's p95 emission age (passes below 5 % plus latencyP95Margin)
 * @param egressShadowMissingRateMax    share of the control's emissions on mirrored requests with no shadow emission
 * @param egressShadowExtraRateMax      share of shadow emissions with no control emission of the same key
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
        long postPromotionBakeSeconds,
        long lookIntervalSeconds,
        double errorRateMargin,
        double latencyP95Margin,
        long egressMinEmissions,
        double egressSuccessRatioMin,
        double egressRetriesIncreaseMax,
        double egressAgeP95RatioMax,
        double egressShadowMissingRateMax,
        double egressShadowExtraRateMax) {

    public static final Thresholds DEFAULTS = new Thresholds(
            0.45, 0.70, 1.25, 1.20, 0.001, 5.0, 0.60, 1, 0.05, 0.60, 200, 1000, 3, 3600,
            InsufficientTraffic.ROLLBACK, 0.98, 1.25, 2.0, 3, 1800, 300, 0.002, 0.02,
            200, 0.97, 0.05, 1.25, 0.02, 0.02);

    /** The limits without the judge's settings and the egress limits, which take their defaults. */
    public Thresholds(double deltaSMedianMax, double coverageMin, double latencyP95RatioMax, double errorRateRatioMax,
                      double errorRateFloor, double cacheHitDropMaxPoints, double shadowDeltaSMedianStop,
                      int maxFlippedParaphrases, double lambdaDeltaSTolerance, double lambdaDeltaSMax,
                      int minWarmLatencySamples, long minRequests, int maxExtensions, long promotionWindowSeconds,
                      InsufficientTraffic onInsufficientTraffic) {
        this(deltaSMedianMax, coverageMin, latencyP95RatioMax, errorRateRatioMax, errorRateFloor, cacheHitDropMaxPoints,
                shadowDeltaSMedianStop, maxFlippedParaphrases, lambdaDeltaSTolerance, lambdaDeltaSMax, minWarmLatencySamples,
                minRequests, maxExtensions, promotionWindowSeconds, onInsufficientTraffic, DEFAULTS.judgeConfidence,
                DEFAULTS.medianShiftTolerance, DEFAULTS.errorRateCriticalRatio, DEFAULTS.newFailureClassMinCount,
                DEFAULTS.postPromotionBakeSeconds, DEFAULTS.lookIntervalSeconds, DEFAULTS.errorRateMargin,
                DEFAULTS.latencyP95Margin, DEFAULTS.egressMinEmissions, DEFAULTS.egressSuccessRatioMin,
                DEFAULTS.egressRetriesIncreaseMax, DEFAULTS.egressAgeP95RatioMax, DEFAULTS.egressShadowMissingRateMax,
                DEFAULTS.egressShadowExtraRateMax);
    }

    /**
     * These thresholds with the fields {@code overrides} names replaced; {@code overrides} follows
     * schemas/thresholds.schema.json (checked by whoever read it), null means none.
     */
    public Thresholds overriddenBy(JsonNode overrides) {
        if (overrides == null || overrides.isNull()) {
            return this;
        }
        ObjectNode merged = Json.MAPPER.valueToTree(this);
        merged.setAll((ObjectNode) overrides);
        return Json.MAPPER.convertValue(merged, Thresholds.class);
    }
}
