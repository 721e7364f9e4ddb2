package dev.ragcanary.core.judge;

import dev.ragcanary.core.stats.Percentiles;

/**
 * Warm latency, canary against control, from raw samples (sorted ascending, milliseconds).
 *
 * <ul>
 *   <li>p95 exceedance: the share of canary requests slower than the ratio limit × the control's p95, on an
 *   anytime-valid confidence sequence. FAIL when it lies above 5 % (the limit), PASS when below 5 % plus a margin,
 *   UNDECIDED otherwise.</li>
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
     * requests slower than {@code ratioLimit} × the control's p95 is above 5 % exactly when the canary's p95 is above
     * the limit. Unlike a ratio of two p95s it decides on every shape: with a bimodal latency whose p95 falls between
     * the cache-hit and cache-miss modes, the p95 itself jumps between the modes from sample to sample, while the share
     * of slow requests stays put.
     *
     * <p>An indifference zone: FAIL when the share is confidently above 5 % (the canary's p95 is confidently beyond the
     * limit), PASS when it is confidently below 5 % + {@code margin} (the tolerance that lets a canary sitting exactly
     * on the limit pass), UNDECIDED in between. The margin moves only the PASS line: a canary whose p95 is 39 % above
     * the control's has a share confidently above 5 % and fails, however close to 5 % + margin its share is.
     *
     * <p>The threshold rests on the control's p95, itself an estimate; its anytime-valid order-statistic interval
     * ({@link ConfidenceSequence#quantile}) is taken into account: the FAIL side counts canary requests beyond the limit
     * × the interval's upper end (fewer), the PASS side beyond the limit × its lower end (more). So the reported interval
     * bounds the share beyond the limit × the control's true p95, and each call is confident about the true p95s. Half
     * of the rule's budget goes to the control's interval, half to the canary's confidence sequences.
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
        double alpha = plan.anytimeAlpha(2);
        double confidence = plan.confidence();
        Interval controlP95 = ConfidenceSequence.quantile(control, 1 - TAIL_SHARE, alpha, confidence);
        double threshold = ratioLimit * Percentiles.ofSorted(control, 1 - TAIL_SHARE);
        long slower = beyond(canary, threshold);
        double low = ConfidenceSequence.binomial(beyond(canary, ratioLimit * controlP95.high()), canary.length, alpha,
                confidence).low();
        double high = ConfidenceSequence.binomial(beyond(canary, ratioLimit * controlP95.low()), canary.length, alpha,
                confidence).high();
        Interval share = new Interval(low, high, confidence);
        double estimate = (double) slower / canary.length;
        double passLine = TAIL_SHARE + margin;
        String slow = beyond + " than " + Interval.round(threshold) + " ms: " + slower + " of " + canary.length
                + " (control p95 interval " + Interval.round(controlP95.low()) + " to " + Interval.round(controlP95.high())
                + " ms)";
        if (share.above(TAIL_SHARE)) {
            return new Finding(Call.FAIL, estimate, share, slow + "; share interval lies above " + Interval.round(TAIL_SHARE)
                    + ": the canary p95 is beyond the limit");
        }
        if (share.below(passLine)) {
            return new Finding(Call.PASS, estimate, share, slow + "; share interval lies below " + Interval.round(passLine)
                    + " (" + Interval.round(TAIL_SHARE) + " plus the margin)");
        }
        return new Finding(Call.UNDECIDED, estimate, share, slow + "; "
                + Finding.straddles(estimate, share, TAIL_SHARE, passLine));
    }

    /** Share of requests above the p95. */
    public static final double TAIL_SHARE = 0.05;

    /** How many of {@code sorted} lie above {@code x} (none above an infinite threshold). */
    private static long beyond(double[] sorted, double x) {
        return sorted.length - upperBound(sorted, x);
    }

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
