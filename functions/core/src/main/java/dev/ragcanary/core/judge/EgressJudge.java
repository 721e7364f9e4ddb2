package dev.ragcanary.core.judge;

/**
 * Webhook and partner emissions, canary against control, with the same exact intervals as the error-rate rules.
 *
 * <ul>
 *   <li>success ratio: each variant's success rate gets a Clopper-Pearson interval (half the look's budget each), the
 *   ratio interval is {@code [low_c / high_k, high_c / low_k]}; FAIL when it lies below the minimum, PASS above it.</li>
 *   <li>retries per emission, canary minus control: the mean retries of a variant is {@code sum over k >= 1 of
 *   P(retries >= k)}, and each of those is a proportion with a Clopper-Pearson interval (the variant's half of the
 *   budget split again over the levels), so the mean's interval is the sum of the levels' intervals: exact and
 *   distribution-free, no Poisson assumption that retry bursts would break. Levels run up to the most retries any
 *   emission made (the egress library caps its tries). The difference's interval is
 *   {@code [low_c - high_k, high_c - low_k]}; FAIL above the limit, PASS below.</li>
 *   <li>a rate against a limit (shadow emissions missing or extra): one Clopper-Pearson interval with the look's whole
 *   budget; FAIL above the limit, PASS below.</li>
 * </ul>
 */
public final class EgressJudge {
    private EgressJudge() {
    }

    public static Finding successRatio(long canarySuccesses, long canaryEmissions, long controlSuccesses,
                                       long controlEmissions, double min, LookPlan plan) {
        double alpha = plan.alpha(2);
        Interval c = RateInterval.exact(canarySuccesses, canaryEmissions, alpha, plan.confidence());
        Interval k = RateInterval.exact(controlSuccesses, controlEmissions, alpha, plan.confidence());
        double controlRate = (double) controlSuccesses / controlEmissions;
        double estimate = controlRate == 0 ? Double.NaN : ((double) canarySuccesses / canaryEmissions) / controlRate;
        Interval ratio = new Interval(k.high() == 0 ? 0.0 : c.low() / k.high(),
                k.low() == 0 ? Double.POSITIVE_INFINITY : c.high() / k.low(), plan.confidence());
        if (ratio.below(min)) {
            return new Finding(Call.FAIL, estimate, ratio, "success-ratio interval lies below the minimum");
        }
        if (ratio.above(min)) {
            return new Finding(Call.PASS, estimate, ratio, "success-ratio interval lies above the minimum");
        }
        return new Finding(Call.UNDECIDED, estimate, ratio, "success-ratio interval straddles the minimum");
    }

    /**
     * @param canaryRetriedMoreThan  {@code canaryRetriedMoreThan[j]}: canary emissions with more than {@code j} retries
     * @param controlRetriedMoreThan the same for the control; both as long as the most retries either variant made
     */
    public static Finding retriesIncrease(long[] canaryRetriedMoreThan, long canaryEmissions,
                                          long[] controlRetriedMoreThan, long controlEmissions, double limit,
                                          LookPlan plan) {
        int levels = Math.max(1, Math.max(canaryRetriedMoreThan.length, controlRetriedMoreThan.length));
        double alpha = plan.alpha(2) / levels;
        Interval c = meanRetries(canaryRetriedMoreThan, canaryEmissions, levels, alpha, plan.confidence());
        Interval k = meanRetries(controlRetriedMoreThan, controlEmissions, levels, alpha, plan.confidence());
        double estimate = mean(canaryRetriedMoreThan, canaryEmissions) - mean(controlRetriedMoreThan, controlEmissions);
        Interval diff = new Interval(c.low() - k.high(), c.high() - k.low(), plan.confidence());
        if (diff.above(limit)) {
            return new Finding(Call.FAIL, estimate, diff, "retries-per-emission increase interval lies above the limit");
        }
        if (diff.below(limit)) {
            return new Finding(Call.PASS, estimate, diff, "retries-per-emission increase interval lies below the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, diff, "retries-per-emission increase interval straddles the limit");
    }

    public static Finding rateAtMost(long events, long trials, double limit, String what, LookPlan plan) {
        Interval rate = RateInterval.exact(events, trials, plan.alpha(1), plan.confidence());
        double estimate = (double) events / trials;
        if (rate.above(limit)) {
            return new Finding(Call.FAIL, estimate, rate, what + " rate interval lies above the limit");
        }
        if (rate.below(limit)) {
            return new Finding(Call.PASS, estimate, rate, what + " rate interval lies below the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, rate, what + " rate interval straddles the limit");
    }

    private static Interval meanRetries(long[] retriedMoreThan, long emissions, int levels, double alpha, double confidence) {
        double low = 0;
        double high = 0;
        for (int j = 0; j < levels; j++) {
            Interval level = RateInterval.exact(j < retriedMoreThan.length ? retriedMoreThan[j] : 0, emissions, alpha,
                    confidence);
            low += level.low();
            high += level.high();
        }
        return new Interval(low, high, confidence);
    }

    private static double mean(long[] retriedMoreThan, long emissions) {
        long sum = 0;
        for (long n : retriedMoreThan) {
            sum += n;
        }
        return (double) sum / emissions;
    }
}
