package dev.ragcanary.core.judge;

/**
 * Error rates, canary against control, with an explicit absolute margin: the canary breaks a ratio limit {@code r}
 * only when its rate exceeds both {@code r} × the control's rate and the control's rate <b>plus</b> {@code margin}. At
 * common error rates the ratio decides (at 1 % and a 0.1-point margin, 1.2 × is the larger); at rare ones the margin
 * does, which is what makes them decidable: at a 0.1 % control rate a stage-one canary sees about ten errors per bake,
 * which can never show a ratio below 2, but can show a rate within a few tenths of a point of the control's.
 *
 * <p>Each variant's rate gets an anytime-valid {@link ConfidenceSequence} (a quarter of the rule's two-sided budget
 * each), so every look of the stage may judge it; rates below {@code floor} count as the floor. The interval is
 * {@code [low_c / high_k, high_c / low_k]}, compared with the margin-widened limit {@code max(r, 1 + margin / k)},
 * {@code k} the control's bound on that side: the interval lies above it exactly when
 * {@code low_c > max(r · high_k, high_k + margin)}.
 *
 * <p>Two rules read it. The ratio rule fails when the interval lies above the limit (1.2 by default) and passes when it
 * lies below the critical ratio (2 by default): confirming "at most +20 %" takes about 250 canary errors, hours at 1 %
 * traffic, so a stage promotes once a doubling is ruled out and nothing shows the limit broken, and every later stage
 * judges again with 5 to 50 times the traffic. The critical rule needs no minimum request count and fails as soon as
 * the interval lies above the critical ratio.
 */
public final class ErrorRateJudge {
    private ErrorRateJudge() {
    }

    /** The ratio interval and the margin-widened limits it is compared with. */
    private record Judged(Interval ratio, double controlHigh, double controlLow, double margin) {
        double failAbove(double limit) {
            return Math.max(limit, 1 + margin / controlHigh);
        }

        double passBelow(double limit) {
            return Math.max(limit, 1 + margin / controlLow);
        }
    }

    private static Judged judge(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                double floor, double margin, LookPlan plan) {
        double alpha = plan.anytimeAlpha(2);
        double confidence = plan.confidence();
        Interval c = ConfidenceSequence.binomial(canaryErrors, canaryRequests, alpha, confidence);
        Interval k = ConfidenceSequence.binomial(controlErrors, controlRequests, alpha, confidence);
        double kHigh = Math.max(k.high(), floor);
        double kLow = Math.max(k.low(), floor);
        return new Judged(new Interval(Math.max(c.low(), floor) / kHigh, Math.max(c.high(), floor) / kLow, confidence),
                kHigh, kLow, margin);
    }

    public static double flooredEstimate(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                         double floor) {
        return Math.max((double) canaryErrors / canaryRequests, floor) / Math.max((double) controlErrors / controlRequests, floor);
    }

    public static Finding ratio(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                double floor, double margin, double limit, double passBelow, LookPlan plan) {
        Judged j = judge(canaryErrors, canaryRequests, controlErrors, controlRequests, floor, margin, plan);
        double estimate = flooredEstimate(canaryErrors, canaryRequests, controlErrors, controlRequests, floor);
        String limits = marginNote(limit, margin, j.failAbove(limit));
        if (j.ratio().above(j.failAbove(limit))) {
            return new Finding(Call.FAIL, estimate, j.ratio(), limits + "; interval lies above it");
        }
        if (j.ratio().below(j.passBelow(passBelow))) {
            return new Finding(Call.PASS, estimate, j.ratio(), limits + "; interval lies below the critical ratio "
                    + Interval.round(j.passBelow(passBelow)) + " and does not lie above the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, j.ratio(), limits + "; critical ratio "
                + Finding.straddles(estimate, j.ratio(), j.passBelow(passBelow)));
    }

    public static Finding critical(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                   double floor, double margin, double critical, LookPlan plan) {
        Judged j = judge(canaryErrors, canaryRequests, controlErrors, controlRequests, floor, margin, plan);
        double estimate = flooredEstimate(canaryErrors, canaryRequests, controlErrors, controlRequests, floor);
        String limits = marginNote(critical, margin, j.failAbove(critical));
        if (j.ratio().above(j.failAbove(critical))) {
            return new Finding(Call.FAIL, estimate, j.ratio(), limits + "; interval lies above it");
        }
        if (j.ratio().below(j.passBelow(critical))) {
            return new Finding(Call.PASS, estimate, j.ratio(), limits + "; interval lies below it");
        }
        return new Finding(Call.UNDECIDED, estimate, j.ratio(), limits + "; "
                + Finding.straddles(estimate, j.ratio(), j.passBelow(critical)));
    }

    private static String marginNote(double ratio, double margin, double effective) {
        return "fails when canary rate > " + Interval.round(ratio) + " x control rate and > control rate + "
                + Interval.round(margin * 100) + " points (absolute margin): ratio limit here " + Interval.round(effective);
    }
}
