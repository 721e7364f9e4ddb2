package dev.ragcanary.core.judge;

/**
 * Error rates, canary against control. Each variant's rate gets an exact Clopper-Pearson interval (half the look's
 * budget each: exact because the critical rule judges from the first request, where a handful of errors is all there is);
 * rates below {@code floor} count as the floor, so the ratio interval is
 * {@code [max(low_c, f) / max(high_k, f), max(high_c, f) / max(low_k, f)]}.
 *
 * <p>Two rules read it. The ratio rule fails when the interval lies above the limit (1.2 by default) and passes when it
 * lies below the critical ratio (2 by default): confirming "at most +20 %" takes about 250 canary errors, hours at
 * 1 % traffic, so a stage promotes once a doubling is ruled out and nothing shows the limit broken, and every later
 * stage judges again with 5 to 50 times the traffic. The critical rule needs no minimum request count and fails as soon
 * as the interval lies above the critical ratio, long before the ratio rule is allowed to judge.
 */
public final class ErrorRateJudge {
    private ErrorRateJudge() {
    }

    public static Interval flooredRatio(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                        double floor, LookPlan plan) {
        double alpha = plan.alpha(2);
        double confidence = plan.confidence();
        Interval c = RateInterval.exact(canaryErrors, canaryRequests, alpha, confidence);
        Interval k = RateInterval.exact(controlErrors, controlRequests, alpha, confidence);
        return new Interval(Math.max(c.low(), floor) / Math.max(k.high(), floor),
                Math.max(c.high(), floor) / Math.max(k.low(), floor), confidence);
    }

    public static double flooredEstimate(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                         double floor) {
        return Math.max((double) canaryErrors / canaryRequests, floor) / Math.max((double) controlErrors / controlRequests, floor);
    }

    public static Finding ratio(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                double floor, double limit, double passBelow, LookPlan plan) {
        Interval ratio = flooredRatio(canaryErrors, canaryRequests, controlErrors, controlRequests, floor, plan);
        double estimate = flooredEstimate(canaryErrors, canaryRequests, controlErrors, controlRequests, floor);
        if (ratio.above(limit)) {
            return new Finding(Call.FAIL, estimate, ratio, "error-rate ratio interval lies above the limit");
        }
        if (ratio.below(passBelow)) {
            return new Finding(Call.PASS, estimate, ratio, "interval lies below the critical ratio "
                    + Interval.round(passBelow) + " and does not lie above the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, ratio, "interval reaches the critical ratio " + Interval.round(passBelow));
    }

    public static Finding critical(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                   double floor, double critical, LookPlan plan) {
        Interval ratio = flooredRatio(canaryErrors, canaryRequests, controlErrors, controlRequests, floor, plan);
        double estimate = flooredEstimate(canaryErrors, canaryRequests, controlErrors, controlRequests, floor);
        if (ratio.above(critical)) {
            return new Finding(Call.FAIL, estimate, ratio, "error-rate ratio interval lies above the critical ratio");
        }
        if (ratio.below(critical)) {
            return new Finding(Call.PASS, estimate, ratio, "error-rate ratio interval lies below the critical ratio");
        }
        return new Finding(Call.UNDECIDED, estimate, ratio, "error-rate ratio interval straddles the critical ratio");
    }
}
