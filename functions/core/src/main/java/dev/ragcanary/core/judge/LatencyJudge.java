package dev.ragcanary.core.judge;

import dev.ragcanary.core.stats.Percentiles;

/**
 * Warm latency, canary against control, from raw samples (sorted ascending, milliseconds).
 *
 * <ul>
 *   <li>p95 exceedance: the share of canary requests slower than the ratio limit × the control's p95, against 5 % plus a
 *   margin, on an anytime-valid confidence sequence. FAIL when it lies above, PASS when below, UNDECIDED otherwise.</li>
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

    /**
     * "Canary p95 within {@code ratioLimit} of the control's" asked as a binomial question: the share of canary warm
     * requests slower than {@code ratioLimit} × the control's p95 (5 % exactly when the canary's p95 sits at the limit)
     * must be at most {@code 5 % + margin}. Unlike a ratio of two p95s it decides on every shape: with a bimodal latency
     * whose p95 falls between the cache-hit and cache-miss modes, the p95 itself jumps between the modes from sample to
     * sample, while the share of slow requests stays put. Judged on an anytime-valid confidence sequence for the share,
     * so every look may judge it. The threshold comes from the control's sample, which at a stage's traffic is tens of
     * times the canary's; its own noise moves the share by a fraction of the margin.
     */
    public static Finding p95Exceedance(double[] canary, double[] control, double ratioLimit, double margin, LookPlan plan) {
        return p95Exceedance(canary, control, ratioLimit, margin, "slower", plan);
    }

    /**
     * The same question for any duration sample (the egress rules ask it of emission ages); {@code beyond} names what
     * exceeding the threshold means in the note ("slower", "older").
     */
    public static Finding p95Exceedance(double[] canary, double[] control, double ratioLimit, double margin,
                                        String beyond, LookPlan plan) {
        double threshold = ratioLimit * Percentiles.ofSorted(control, 0.95);
        long slower = canary.length - upperBound(canary, threshold);
        double limit = TAIL_SHARE + margin;
        Interval share = ConfidenceSequence.binomial(slower, canary.length, plan.anytimeAlpha(1), plan.confidence());
        double estimate = (double) slower / canary.length;
        String slow = beyond + " than " + Interval.round(threshold) + " ms: " + slower + " of " + canary.length;
        if (share.above(limit)) {
            return new Finding(Call.FAIL, estimate, share, slow + "; share interval lies above the limit");
        }
        if (share.below(limit)) {
            return new Finding(Call.PASS, estimate, share, slow + "; share interval lies below the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, share, slow + "; " + Finding.straddles(estimate, share, limit));
    }

    /** Share of requests above the p95. */
    public static final double TAIL_SHARE = 0.05;

    /** Index of the first value above {@code x} in {@code sorted}. */
    private static int upperBound(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
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
                ? "canary is slower, but by less than the tolerance so far"
                : "median shift " + Finding.straddles(estimate, ratio, tolerance));
    }
}
