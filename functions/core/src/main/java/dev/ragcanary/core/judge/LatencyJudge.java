package dev.ragcanary.core.judge;

import dev.ragcanary.core.stats.Percentiles;

/**
 * Warm latency, canary against control, from raw samples (sorted ascending, milliseconds).
 *
 * <ul>
 *   <li>p95 ratio: each variant's p95 gets an exact distribution-free order-statistic interval (half the look's error budget
 *   each), and the ratio interval is {@code [low_canary / high_control, high_canary / low_control]}. FAIL when it lies
 *   above the limit, PASS when it lies below, UNDECIDED otherwise.</li>
 *   <li>median shift (Kayenta's test): Hodges-Lehmann shift of log latency with its Mann-Whitney interval, reported as
 *   a ratio. FAIL when the interval lies above 1 (a real slowdown) and the estimate reaches the tolerance (a slowdown
 *   that matters), PASS when the interval lies below the tolerance, UNDECIDED otherwise.</li>
 * </ul>
 */
public final class LatencyJudge {
    /** Larger samples are thinned to this many order statistics for the rank test (bounded cost, conservative). */
    public static final int RANK_TEST_SAMPLES = 2000;

    private LatencyJudge() {
    }

    public static Finding p95Ratio(double[] canary, double[] control, double limit, LookPlan plan) {
        double alpha = plan.alpha(2);
        double confidence = plan.confidence();
        Interval c = OrderStatistics.quantile(canary, 0.95, alpha, confidence);
        Interval k = OrderStatistics.quantile(control, 0.95, alpha, confidence);
        double estimate = Percentiles.ofSorted(canary, 0.95) / Percentiles.ofSorted(control, 0.95);
        Interval ratio = new Interval(k.high() == Double.POSITIVE_INFINITY ? 0.0 : c.low() / k.high(),
                k.low() <= 0 ? Double.POSITIVE_INFINITY : c.high() / k.low(), confidence);
        if (ratio.above(limit)) {
            return new Finding(Call.FAIL, estimate, ratio, "p95 ratio interval lies above the limit");
        }
        if (ratio.below(limit)) {
            return new Finding(Call.PASS, estimate, ratio, "p95 ratio interval lies below the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, ratio, "p95 ratio interval straddles the limit"
                + (Double.isInfinite(ratio.high()) ? " (too few samples to bound the p95 from above)" : ""));
    }

    public static Finding medianShift(double[] canary, double[] control, double tolerance, LookPlan plan) {
        double[] x = OrderStatistics.sortedLogs(OrderStatistics.thin(canary, RANK_TEST_SAMPLES));
        double[] y = OrderStatistics.sortedLogs(OrderStatistics.thin(control, RANK_TEST_SAMPLES));
        double confidence = plan.confidence();
        HodgesLehmann.Shift shift = HodgesLehmann.shift(x, y, plan.z(1), confidence);
        double estimate = Math.exp(shift.estimate());
        Interval ratio = new Interval(Math.exp(shift.interval().low()), Math.exp(shift.interval().high()), confidence);
        if (ratio.above(1.0) && estimate >= tolerance) {
            return new Finding(Call.FAIL, estimate, ratio, "canary is slower (interval above 1) by at least the tolerance");
        }
        if (ratio.below(tolerance)) {
            return new Finding(Call.PASS, estimate, ratio, "median shift interval lies below the tolerance");
        }
        return new Finding(Call.UNDECIDED, estimate, ratio, ratio.above(1.0)
                ? "canary is slower, but by less than the tolerance so far" : "median shift interval straddles the tolerance");
    }
}
