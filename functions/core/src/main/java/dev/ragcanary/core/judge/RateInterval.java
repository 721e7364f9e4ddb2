package dev.ragcanary.core.judge;

/** Wilson score interval for a binomial proportion: sound at zero events and at small counts. */
final class RateInterval {
    private RateInterval() {
    }

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
