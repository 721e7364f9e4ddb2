package dev.ragcanary.core.judge;

/**
 * Hodges-Lehmann shift between two samples with the Mann-Whitney U interval for it (what Kayenta's judge uses):
 * the estimate is the median of all pairwise differences {@code x_i - y_j}, the interval runs between the
 * {@code C}-th smallest and largest of them, {@code C = mn/2 - z·sqrt(mn(m+n+1)/12)}.
 *
 * <p>The {@code k}-th smallest pairwise difference is found without forming the {@code m·n} pairs: bisection on the
 * value, counting the pairs at or below it with two pointers over the sorted samples, then stepping from the bracket's
 * low end to the next actual difference until the count reaches {@code k}, so the result is one of the differences
 * exactly (with tied latencies a bound that is 0 must print as 0, not 1e-9 above it). O((m+n)·log(1/ε)).
 */
final class HodgesLehmann {
    private static final int BISECTIONS = 40;

    private HodgesLehmann() {
    }

    /** The shift estimate and its interval. */
    record Shift(double estimate, Interval interval) {
    }

    /** Shift of sorted {@code x} over sorted {@code y} (both ascending), with its interval at {@code z}. */
    static Shift shift(double[] x, double[] y, double z, double confidence) {
        long m = x.length;
        long n = y.length;
        long pairs = m * n;
        double estimate = kthDifference(x, y, (pairs + 1) / 2);
        double c = Math.floor(pairs / 2.0 - z * Math.sqrt(m * n * (m + n + 1) / 12.0));
        double low = c >= 1 ? kthDifference(x, y, (long) c) : Double.NEGATIVE_INFINITY;
        double high = c >= 1 ? kthDifference(x, y, pairs - (long) c + 1) : Double.POSITIVE_INFINITY;
        return new Shift(estimate, new Interval(low, high, confidence));
    }

    /** The k-th smallest (1-based) of {@code x_i - y_j}, exactly one of them. */
    static double kthDifference(double[] x, double[] y, long k) {
        double lo = x[0] - y[y.length - 1];
        if (countAtMost(x, y, lo) >= k) {
            return lo;
        }
        double hi = x[x.length - 1] - y[0];
        // invariant: fewer than k pairs at or below lo, at least k at or below hi
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi) {
                break;
            }
            if (countAtMost(x, y, mid) >= k) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        double next = smallestAbove(x, y, lo);
        while (countAtMost(x, y, next) < k) {
            next = smallestAbove(x, y, next);
        }
        return next;
    }

    /** Number of pairs with {@code x_i - y_j <= d}; for a fixed {@code i} the difference falls as {@code j} grows. */
    static long countAtMost(double[] x, double[] y, double d) {
        long count = 0;
        int j = 0;
        for (double xi : x) {
            while (j < y.length && xi - y[j] > d) {
                j++;
            }
            count += y.length - j;
        }
        return count;
    }

    /** The smallest {@code x_i - y_j} above {@code d} (one exists whenever fewer than all pairs are at or below it). */
    private static double smallestAbove(double[] x, double[] y, double d) {
        double best = Double.POSITIVE_INFINITY;
        int j = 0;
        for (double xi : x) {
            while (j < y.length && xi - y[j] > d) {
                j++;
            }
            if (j > 0) {
                best = Math.min(best, xi - y[j - 1]);
            }
        }
        return best;
    }
}
