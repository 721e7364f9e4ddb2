package dev.ragcanary.core.judge;

/**
 * Anytime-valid intervals for a binomial rate: <b>confidence sequences</b> that hold at every sample size at once, so
 * the gate may look after every request, or every five minutes, as often as it likes, and still miss the true rate with
 * probability at most {@code alpha} over the whole stage.
 *
 * <p>The construction is Robbins' mixture martingale (the mixture sequential probability ratio test): for a rate
 * {@code p}, the likelihood ratio of the observed successes under a Beta(½, ½) mixture of alternatives against
 * {@code p}, {@code M_n(p) = B(S + ½, F + ½) / B(½, ½) / (p^S (1 - p)^F)}, is a nonnegative martingale with mean 1 when
 * {@code p} is the truth, so by Ville's inequality it ever reaches {@code 1 / alpha} with probability at most
 * {@code alpha}. The sequence is the set of rates where it has not: {@code {p : M_n(p) < 1 / alpha}} (Howard, Ramdas,
 * McAuliffe, Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", 2021). It is an interval
 * around {@code S / n}, found by bisection on each side; about 30 % wider than a fixed-sample interval at the sample
 * sizes a stage sees, the price of validity at every look.
 */
public final class ConfidenceSequence {
    private static final double PRIOR = 0.5;
    private static final int BISECTIONS = 60;

    private ConfidenceSequence() {
    }

    /** The rates not yet ruled out after {@code events} in {@code trials}, valid at every {@code trials} at once. */
    public static Interval binomial(long events, long trials, double alpha, double confidence) {
        if (trials <= 0) {
            return new Interval(0.0, 1.0, confidence);
        }
        long failures = trials - events;
        double threshold = Math.log(1 / alpha);
        double mixture = logBeta(events + PRIOR, failures + PRIOR) - logBeta(PRIOR, PRIOR);
        double estimate = (double) events / trials;
        double low = events == 0 ? 0.0 : boundary(events, failures, mixture, threshold, 0.0, estimate);
        double high = failures == 0 ? 1.0 : boundary(events, failures, mixture, threshold, 1.0, estimate);
        return new Interval(low, high, confidence);
    }

    /**
     * Anytime-valid interval for the {@code p} quantile of the distribution {@code sorted} (ascending) was drawn from,
     * from order statistics: the count of samples below the quantile is Binomial(n, p) (at most that, with ties), so the
     * counts the mixture martingale at rate {@code p} has not ruled out, {@code a..b}, put the quantile between the
     * {@code a}-th and the {@code (b + 1)}-th smallest sample at every sample size at once, with probability at least
     * {@code 1 - alpha}. A side the samples cannot bound yet is 0 or infinite (the upper side of a p95 needs a few
     * hundred samples).
     */
    public static Interval quantile(double[] sorted, double p, double alpha, double confidence) {
        int n = sorted.length;
        double threshold = Math.log(1 / alpha);
        int centre = (int) Math.min(n, Math.max(0, Math.round(n * p)));
        int high = centre;
        while (high <= n && logMixtureRatio(high, n, p) < threshold) {
            high++;
        }
        int low = centre;
        while (low >= 0 && logMixtureRatio(low, n, p) < threshold) {
            low--;
        }
        // high - 1 counts below the quantile are still possible: it lies at or below the high-th smallest sample
        double upper = high - 1 >= n ? Double.POSITIVE_INFINITY : sorted[high - 1];
        // low + 1 counts at or below it are: it lies at or above the (low + 1)-th smallest
        double lower = low + 1 <= 0 ? 0.0 : sorted[low];
        return new Interval(lower, upper, confidence);
    }

    /** Log of Robbins' mixture ratio after {@code events} in {@code trials} against the rate {@code p}. */
    private static double logMixtureRatio(long events, long trials, double p) {
        long failures = trials - events;
        return logBeta(events + PRIOR, failures + PRIOR) - logBeta(PRIOR, PRIOR) - events * Math.log(p)
                - failures * Math.log1p(-p);
    }

    /** The rate between {@code outside} and {@code inside} where the log mixture ratio reaches the threshold. */
    private static double boundary(long events, long failures, double mixture, double threshold, double outside,
                                   double inside) {
        double out = outside;
        double in = inside;
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (out + in) / 2;
            double logRatio = mixture - events * Math.log(mid) - failures * Math.log1p(-mid);
            if (logRatio >= threshold) {
                out = mid;
            } else {
                in = mid;
            }
        }
        return out;
    }

    private static double logBeta(double a, double b) {
        return LogGamma.of(a) + LogGamma.of(b) - LogGamma.of(a + b);
    }
}
