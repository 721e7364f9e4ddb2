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
        double width = interval.high() - interval.low();
        if (width < Math.abs(limit) / 2 && Math.abs(estimate - limit) < width / 4) {
            return UNDECIDABLE + " (estimate " + Interval.round(estimate) + " within a quarter of the interval's width of "
                    + Interval.round(limit) + "; four times the traffic would not settle it)";
        }
        return "interval straddles the limit " + Interval.round(limit) + "; not enough traffic yet";
    }
}
