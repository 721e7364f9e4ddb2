package dev.ragcanary.core.judge;

/**
 * Exact Binomial(n, p) probabilities. Each term is built from its neighbour's ratio, outward from the mode, and the
 * walk stops where terms fall below 1e-300 of the mode's, so the work is O(sqrt(n·p·(1-p))) rather than O(n) and nothing
 * underflows where it matters; the window is then normalised (the mass left outside it is below double precision).
 */
final class Binomial {
    private static final double NEGLIGIBLE = 1e-300;

    private final long first;
    private final double[] cumulative;

    private Binomial(long first, double[] cumulative) {
        this.first = first;
        this.cumulative = cumulative;
    }

    static Binomial of(long n, double p) {
        if (p <= 0) {
            return new Binomial(0, new double[] {1.0});
        }
        if (p >= 1) {
            return new Binomial(n, new double[] {1.0});
        }
        double odds = p / (1 - p);
        long mode = Math.min(n, (long) Math.floor((n + 1) * p));
        long low = mode;
        double term = 1.0;
        while (low > 0 && term >= NEGLIGIBLE) {
            term *= low / ((n - low + 1) * odds);
            low--;
        }
        long high = mode;
        term = 1.0;
        while (high < n && term >= NEGLIGIBLE) {
            term *= (n - high) / (high + 1.0) * odds;
            high++;
        }
        double[] mass = new double[(int) (high - low + 1)];
        mass[(int) (mode - low)] = 1.0;
        for (long i = mode; i > low; i--) {
            mass[(int) (i - 1 - low)] = mass[(int) (i - low)] * i / ((n - i + 1) * odds);
        }
        for (long i = mode; i < high; i++) {
            mass[(int) (i + 1 - low)] = mass[(int) (i - low)] * (n - i) / (i + 1.0) * odds;
        }
        double total = 0;
        for (int i = 0; i < mass.length; i++) {
            total += mass[i];
            mass[i] = total;
        }
        for (int i = 0; i < mass.length; i++) {
            mass[i] /= total;
        }
        return new Binomial(low, mass);
    }

    /** P(X &lt;= k). */
    double cdf(long k) {
        if (k < first) {
            return 0.0;
        }
        return k - first >= cumulative.length ? 1.0 : cumulative[(int) (k - first)];
    }

    /** P(X &gt;= k). */
    double upperTail(long k) {
        return 1.0 - cdf(k - 1);
    }
}
