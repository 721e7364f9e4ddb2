package dev.ragcanary.core.judge;

import java.util.function.DoublePredicate;

/** Intervals for a binomial proportion. */
final class RateInterval {
    private static final int BISECTIONS = 100;

    private RateInterval() {
    }

    /**
     * Clopper-Pearson interval: the rates at which seeing at least (at most) {@code events} has probability
     * {@code alpha / 2}, found by bisection on the exact binomial tail. Its coverage is at least {@code 1 - alpha} at
     * every rate and count, where Wilson's falls far short of nominal at a handful of events.
     */
    static Interval exact(long events, long trials, double alpha, double confidence) {
        if (trials <= 0) {
            return new Interval(0.0, 1.0, confidence);
        }
        double tail = alpha / 2;
        double low = events == 0 ? 0.0 : solve(p -> Binomial.of(trials, p).upperTail(events) <= tail, true);
        double high = events == trials ? 1.0 : solve(p -> Binomial.of(trials, p).cdf(events) > tail, false);
        return new Interval(low, high, confidence);
    }

    /** The boundary in [0, 1] where {@code below} turns false, from the side that keeps the interval wide. */
    private static double solve(DoublePredicate below, boolean lowSide) {
        double lo = 0.0;
        double hi = 1.0;
        for (int i = 0; i < BISECTIONS && lo < hi; i++) {
            double mid = lo + (hi - lo) / 2;
            if (mid == lo || mid == hi) {
                break;
            }
            if (below.test(mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lowSide ? lo : hi;
    }

    /** Wilson score interval: close to nominal once there are a few dozen events (cache hits and misses). */
    static Interval wilson(long events, long trials, double z, double confidence) {
        if (trials <= 0) {
            return new Interval(0.0, 1.0, confidence);
        }
        double n = trials;
        double p = events / n;
        double z2 = z * z;
        double center = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        return new Interval(Math.max(0.0, center - half), Math.min(1.0, center + half), confidence);
    }
}
