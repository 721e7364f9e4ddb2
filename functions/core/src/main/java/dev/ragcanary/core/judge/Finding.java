package dev.ragcanary.core.judge;

/**
 * What the judge concluded for one rule at one look.
 *
 * @param estimate the point estimate (ratio, count); NaN when there is none
 * @param interval the anytime-valid interval for it; null for count rules and point-estimate fallbacks
 * @param note     one line for a person: what decided it, or what is missing
 */
public record Finding(Call call, double estimate, Interval interval, String note) {
}
