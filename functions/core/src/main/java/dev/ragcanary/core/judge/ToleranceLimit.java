package dev.ragcanary.core.judge;

import java.util.Arrays;

/**
 * An upper tolerance bound: from n independent draws of a noise, a limit L such that, with confidence {@code confidence}
 * over the draws, a new draw exceeds L with probability at most {@code exceedance}. The calibration sets each quality
 * rule's limit on the A/A difference this way, so the rule falsely fails an identical canary at most that often.
 *
 * <p>Distribution-free when the draws allow it: the k-th smallest draw X(k) covers the (1 - p) quantile with
 * probability P(Binomial(n, 1 - p) &lt;= k - 1), so L is the smallest order statistic with that probability at least
 * the confidence; it exists from n &gt;= ln(1 - confidence) / ln(1 - p) draws (299 for p = 1 %, 95 %). With fewer draws
 * it is the normal one-sided tolerance bound mean + k·sd, k from the exact noncentral t distribution
 * (k·sqrt(n) is its confidence quantile with n - 1 degrees of freedom and noncentrality z(1 - p)·sqrt(n)).
 */
public final class ToleranceLimit {
    /** How a limit was derived (the calibration file's {@code method}). */
    public enum Method {
        ORDER_STATISTIC("order-statistic"), NORMAL_TOLERANCE("normal-tolerance");

        private final String id;

        Method(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** The limit and how it was found. */
    public record Bound(double limit, Method method) {
    }

    private ToleranceLimit() {
    }

    /**
     * The upper bound on the (1 - exceedance) quantile of the noise the draws come from, at {@code confidence}.
     *
     * @throws IllegalArgumentException for fewer than 2 draws or a probability outside (0, 1)
     */
    public static Bound upper(double[] draws, double exceedance, double confidence) {
        if (draws.length < 2 || !(exceedance > 0 && exceedance < 1) || !(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("a tolerance bound needs 2 or more draws and probabilities in (0, 1): "
                    + draws.length + " draws, exceedance " + exceedance + ", confidence " + confidence);
        }
        double[] sorted = draws.clone();
        Arrays.sort(sorted);
        int rank = orderStatisticRank(sorted.length, exceedance, confidence);
        if (rank > 0) {
            return new Bound(sorted[rank - 1], Method.ORDER_STATISTIC);
        }
        double mean = Arrays.stream(sorted).average().orElseThrow();
        double sd = standardDeviation(sorted, mean);
        return new Bound(mean + normalFactor(sorted.length, exceedance, confidence) * sd, Method.NORMAL_TOLERANCE);
    }

    /** The 1-based rank of the smallest order statistic that bounds the quantile, or 0 when even the largest does not. */
    static int orderStatisticRank(int n, double exceedance, double confidence) {
        Binomial below = Binomial.of(n, 1 - exceedance);
        for (int k = 1; k <= n; k++) {
            if (below.cdf(k - 1) >= confidence) {
                return k;
            }
        }
        return 0;
    }

    /** The one-sided normal tolerance factor k for n draws (e.g. 3.295 for n 20, p 1 %, 95 %). */
    static double normalFactor(int n, double exceedance, double confidence) {
        double noncentrality = Normal.quantile(1 - exceedance) * Math.sqrt(n);
        double low = 0;
        double high = 1;
        while (noncentralT(high * Math.sqrt(n), n - 1, noncentrality) < confidence) {
            high *= 2;
        }
        for (int i = 0; i < 100 && high - low > 1e-9; i++) {
            double mid = (low + high) / 2;
            if (noncentralT(mid * Math.sqrt(n), n - 1, noncentrality) < confidence) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return high;
    }

    static double standardDeviation(double[] values, double mean) {
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / (values.length - 1));
    }

    /**
     * P(T &lt;= t) for T noncentral t with {@code df} degrees of freedom: E[Φ(t·sqrt(V / df) - δ)] over V chi-squared
     * with df degrees, integrated by Simpson's rule in u = sqrt(V), where the integrand stays finite for every df.
     */
    static double noncentralT(double t, int df, double noncentrality) {
        double top = Math.sqrt(df + 40 * Math.sqrt(2.0 * df) + 40);
        int steps = 4000;
        double h = top / steps;
        double logNorm = -0.5 * df * Math.log(2) - LogGamma.of(0.5 * df);
        double sum = 0;
        for (int i = 0; i <= steps; i++) {
            double u = i * h;
            // density of u = sqrt(V): 2u · f(u²), f the chi-squared density
            double density = u == 0 ? (df == 1 ? 2 * Math.exp(logNorm) : 0)
                    : 2 * Math.exp(Math.log(u) + logNorm + (0.5 * df - 1) * 2 * Math.log(u) - u * u / 2);
            double value = density * Normal.cdf(t * u / Math.sqrt(df) - noncentrality);
            sum += value * (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return sum * h / 3;
    }
}
