package dev.ragcanary.core.judge;

import java.util.Arrays;

/** Distribution-free intervals from sorted samples, and thinning of large samples. */
public final class OrderStatistics {
    private OrderStatistics() {
    }

    /**
     * Exact distribution-free interval for the {@code p}-quantile: the number of samples at or below it is
     * Binomial(n, p), so the order statistics of ranks {@code l} and {@code u} (1-based) miss it with probability at most
     * {@code P(B <= l-1)} below and {@code P(B >= u)} above. {@code l} is the largest rank and {@code u} the smallest
     * whose tail is at most {@code alpha / 2}, found on the exact binomial CDF. A side the samples cannot bound is 0
     * (low) or +∞ (high).
     */
    static Interval quantile(double[] sorted, double p, double alpha, double confidence) {
        int n = sorted.length;
        Binomial atOrBelow = Binomial.of(n, p);
        double tail = alpha / 2;
        int lowRank = 0;
        while (lowRank < n && atOrBelow.cdf(lowRank) <= tail) {
            lowRank++;
        }
        int highRank = n + 1;
        while (highRank > 1 && atOrBelow.upperTail(highRank - 1) <= tail) {
            highRank--;
        }
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
