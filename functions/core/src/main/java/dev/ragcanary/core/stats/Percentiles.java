package dev.ragcanary.core.stats;

import java.util.Arrays;
import java.util.Collection;

/** Order statistics with linear interpolation between closest ranks (the "type 7" estimator). */
public final class Percentiles {
    private Percentiles() {
    }

    public static double of(Collection<Double> values, double p) {
        return ofSorted(values.stream().mapToDouble(Double::doubleValue).sorted().toArray(), p);
    }

    public static double of(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return ofSorted(sorted, p);
    }

    /** {@code p} in [0, 1]; NaN for no values. */
    public static double ofSorted(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double rank = p * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static double median(Collection<Double> values) {
        return of(values, 0.5);
    }
}
