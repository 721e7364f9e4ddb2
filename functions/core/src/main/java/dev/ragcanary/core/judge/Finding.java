package dev.ragcanary.core.judge;

/**
 * What the judge concluded for one rule at one look.
 *
 * @param estimate the point estimate (ratio, count); NaN when there is none
 * @param interval the anytime-valid interval for it; null for count rules and point-estimate fallbacks
 * @param note     one line for a person: what decided it, or what is missing
 */
public record Finding(Call call, double estimate, Interval interval, String note) {
    /** How an undecided rule's note begins when more traffic would not decide it. */
    public static final String UNDECIDABLE = "undecidable at this limit";

    /**
     * Why an interval that straddles {@code limit} has not decided: not enough traffic yet, or {@link #UNDECIDABLE}
     * when the canary is already well measured (the interval narrower than half the limit) and its estimate lies closer
     * to the limit than a quarter of the interval's width (four times the traffic halves the width and would still
     * straddle it): the canary sits on the limit, and only a different limit decides.
     */
    static String straddles(double estimate, Interval interval, double limit) {
        return straddles(estimate, interval, limit, limit);
    }

    /**
     * The same for a rule with an indifference zone: it fails above {@code failLine} and passes below
     * {@code passLine} (its margin). Undecidable when four times the traffic, halving the interval around the estimate,
     * would still neither lift its low end above the fail line nor bring its high end below the pass line.
     */
    static String straddles(double estimate, Interval interval, double failLine, double passLine) {
        double width = interval.high() - interval.low();
        boolean staysBelowFail = estimate - (estimate - interval.low()) / 2 <= failLine;
        boolean staysAbovePass = estimate + (interval.high() - estimate) / 2 >= passLine;
        String lines = failLine == passLine ? "the limit " + Interval.round(failLine)
                : "the limit " + Interval.round(failLine) + " and the pass line " + Interval.round(passLine);
        if (width < Math.abs(failLine) / 2 && staysBelowFail && staysAbovePass) {
            return UNDECIDABLE + " (estimate " + Interval.round(estimate) + " between " + lines
                    + " by less than half the interval; four times the traffic would not settle it)";
        }
        return "interval straddles " + lines + "; not enough traffic yet";
    }
}
