package dev.ragcanary.cli.simulation;

import dev.ragcanary.core.judge.ErrorRateJudge;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.core.stats.Percentiles;

/**
 * The baseline: a CodeDeploy-style fixed bake followed by one check of the seed's point rules (p95 ratio, floored
 * error-rate ratio, any failure class the control lacks), each compared with its limit as a plain number.
 */
final class FixedWindowBaseline {
    private FixedWindowBaseline() {
    }

    static boolean rollsBack(Thresholds t, double[] canarySorted, double[] controlSorted, long canaryErrors,
                             long canaryRequests, long controlErrors, long controlRequests, long newClassFailures) {
        if (canarySorted.length < t.minWarmLatencySamples() || canaryRequests < t.minRequests()) {
            return true; // not enough traffic after the only look: the seed's default policy rolls back
        }
        double p95Ratio = Percentiles.ofSorted(canarySorted, 0.95) / Percentiles.ofSorted(controlSorted, 0.95);
        double errorRatio = ErrorRateJudge.flooredEstimate(canaryErrors, canaryRequests, controlErrors, controlRequests,
                t.errorRateFloor());
        return p95Ratio > t.latencyP95RatioMax() || errorRatio > t.errorRateRatioMax() || newClassFailures > 0;
    }
}
