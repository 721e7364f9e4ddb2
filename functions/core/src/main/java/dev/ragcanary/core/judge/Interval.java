package dev.ragcanary.core.judge;

/**
 * A confidence interval for one rule's estimate. Bounds may be 0 or infinite when the samples cannot bound that side
 * (e.g. too few samples to bound a p95 from above); such an interval decides nothing on that side.
 *
 * @param confidence the simultaneous coverage over every planned look at the stage (e.g. 0.98)
 */
public record Interval(double low, double high, double confidence) {

    /** The whole interval lies above {@code limit}: confidently beyond it. */
    public boolean above(double limit) {
        return low > limit;
    }

    /** The whole interval lies below {@code limit}: confidently within it. */
    public boolean below(double limit) {
        return high < limit;
    }

    public Interval rounded() {
        return new Interval(round(low), round(high), confidence);
    }

    static double round(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? v : Math.round(v * 10_000.0) / 10_000.0;
    }
}
