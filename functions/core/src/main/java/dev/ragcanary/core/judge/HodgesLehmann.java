package dev.ragcanary.core.judge;

/**
 * Hodges-Lehmann shift between two samples with the Mann-Whitney U interval for it (what Kayenta's judge uses):
 * the estimate is the median of all pairwise differences {@code x_i - y_j}, the interval runs between the
 * {@code C}-th smallest and largest of them, {@code C = mn/2 - z·sqrt(mn(m+n+1)/12)}.
 *
 * <p>The {@code k}-th smallest pairwise difference is found without forming the {@code m·n} pairs: bisection on the
 * value, counting the pairs at or below it with two pointers over the sorted samples, O((m+n)·log(1/ε)).
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

    /** The k-th smallest (1-based) of {@code x_i - y_j}. */
    static double kthDifference(double[] x, double[] y, long k) {
        double lo = x[0] - y[y.length - 1];
        double hi = x[x.length - 1] - y[0];
        for (int i = 0; i < BISECTIONS && hi - lo > 1e-9; i++) {
            double mid = lo + (hi - lo) / 2;
            if (countAtMost(x, y, mid) >= k) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /** Number of pairs with {@code x_i - y_j <= d}, i.e. {@code y_j >= x_i - d}. */
    static long countAtMost(double[] x, double[] y, double d) {
        long count = 0;
        int j = 0;
        for (double xi : x) {
            double bound = xi - d;
            while (j < y.length && y[j] < bound) {
                j++;
            }
            count += y.length - j;
        }
        return count;
    }
}
