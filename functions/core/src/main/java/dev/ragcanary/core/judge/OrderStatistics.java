package dev.ragcanary.core.judge;

import java.util.Arrays;

/** Distribution-free intervals from sorted samples, and thinning of large samples. */
public final class OrderStatistics {
    private OrderStatistics() {
    }

    /**
     * Interval for the {@code p}-quantile: the order statistics whose ranks bracket {@code n·p} by {@code z} binomial
     * standard deviations (the classic distribution-free quantile interval, normal approximation to the binomial).
     * A side the samples cannot bound is 0 (low) or +∞ (high).
     */
    static Interval quantile(double[] sorted, double p, double z, double confidence) {
        int n = sorted.length;
        double center = n * p;
        double spread = z * Math.sqrt(n * p * (1 - p));
        int lowRank = (int) Math.floor(center - spread);        // 1-based
        int highRank = (int) Math.ceil(center + spread) + 1;    // 1-based
        double low = lowRank >= 1 ? sorted[lowRank - 1] : 0.0;
        double high = highRank <= n ? sorted[highRank - 1] : Double.POSITIVE_INFINITY;
        return new Interval(low, high, confidence);
    }

    /**
     * At most {@code max} evenly spaced order statistics of {@code sorted}. Treating them as a sample of their own size
     * widens every interval built on them (they stand for more samples than they count), so thinning is conservative.
     */
    public static double[] thin(double[] sorted, int max) {
        if (sorted.length <= max) {
            return sorted;
        }
        double[] out = new double[max];
        double step = (sorted.length - 1) / (double) (max - 1);
        for (int i = 0; i < max; i++) {
            out[i] = sorted[(int) Math.round(i * step)];
        }
        return out;
    }

    static double[] sortedLogs(double[] sorted) {
        return Arrays.stream(sorted).map(v -> Math.log(Math.max(v, 1e-9))).toArray();
    }
}
