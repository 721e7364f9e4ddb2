package dev.ragcanary.core.judge;

/**
 * Error rates, canary against control, with an indifference zone: a rule fails when the canary's rate is confidently
 * above its ratio limit {@code r} × the control's, and passes when it is confidently below the larger of the pass ratio
 * × the control's rate and the control's rate <b>plus</b> an absolute {@code margin}. The margin moves only the PASS
 * line: it is what makes a rare error rate decidable (at a 0.1 % control rate a stage-one canary sees about ten errors
 * per bake, which can never show a ratio below 2, but can show a rate within a few tenths of a point of the control's),
 * and it never excuses a rate confidently beyond the limit (1.5 × at 0.1 % fails like 1.5 × at 1 %).
 *
 * <p>Each variant's rate gets an anytime-valid {@link ConfidenceSequence} (a quarter of the rule's two-sided budget
 * each), so every look of the stage may judge it; rates below {@code floor} count as the floor. The interval is
 * {@code [low_c / high_k, high_c / low_k]}; it lies below the margin-widened pass line {@code max(r, 1 + margin / low_k)}
 * exactly when {@code high_c < max(r · low_k, low_k + margin)}.
 *
 * <p>Two rules read it. The ratio rule fails when the interval lies above the limit (1.2 by default) and passes when it
 * lies below the critical ratio (2 by default, or the margin's line): confirming "at most +20 %" takes about 250
 * canary errors, hours at 1 % traffic, so a stage promotes once a doubling is ruled out and nothing shows the limit
 * broken, and every later stage judges again with 5 to 50 times the traffic. The critical rule needs no minimum
 * request count and fails as soon as the interval lies above the critical ratio.
 */
public final class ErrorRateJudge {
    private ErrorRateJudge() {
    }

    /** The ratio interval and the control's lower bound the margin's pass line rests on. */
    private record Judged(Interval ratio, double controlLow, double margin) {
        double passBelow(double ratio) {
            return Math.max(ratio, 1 + margin / controlLow);
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
                kLow, margin);
    }

    public static double flooredEstimate(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                         double floor) {
        return Math.max((double) canaryErrors / canaryRequests, floor) / Math.max((double) controlErrors / controlRequests, floor);
    }

    public static Finding ratio(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                double floor, double margin, double limit, double passBelow, LookPlan plan) {
        Judged j = judge(canaryErrors, canaryRequests, controlErrors, controlRequests, floor, margin, plan);
        double estimate = flooredEstimate(canaryErrors, canaryRequests, controlErrors, controlRequests, floor);
        double passLine = j.passBelow(passBelow);
        String limits = zoneNote(limit, passBelow, margin, passLine);
        if (j.ratio().above(limit)) {
            return new Finding(Call.FAIL, estimate, j.ratio(), limits + "; interval lies above the limit");
        }
        if (j.ratio().below(passLine)) {
            return new Finding(Call.PASS, estimate, j.ratio(), limits + "; interval lies below the pass line and not above the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, j.ratio(), limits + "; "
                + Finding.straddles(estimate, j.ratio(), limit, passLine));
    }

    /** The ratio rule with the critical ratio as both its limit and its pass ratio: fails only on a severe regression. */
    public static Finding critical(long canaryErrors, long canaryRequests, long controlErrors, long controlRequests,
                                   double floor, double margin, double critical, LookPlan plan) {
        return ratio(canaryErrors, canaryRequests, controlErrors, controlRequests, floor, margin, critical, critical, plan);
    }

    private static String zoneNote(double limit, double passRatio, double margin, double passLine) {
        return "fails when the ratio lies above " + Interval.round(limit) + "; passes when canary rate < "
                + Interval.round(passRatio) + " x control rate or < control rate + " + Interval.round(margin * 100)
                + " points (absolute margin): pass line here " + Interval.round(passLine);
    }
}
