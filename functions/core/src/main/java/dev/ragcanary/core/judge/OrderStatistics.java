package dev.ragcanary.core.judge;

import java.util.Arrays;

/** Thinning of large sorted samples and their logarithms, for the rank test. */
public final class OrderStatistics {
    private OrderStatistics() {
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
