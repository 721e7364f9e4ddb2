package dev.ragcanary.core.gate;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ragcanary.core.judge.Finding;
import dev.ragcanary.core.judge.Interval;
import java.util.Map;

/**
 * One rule's finding, with enough to see why: observed value, limit and how they compare, samples per variant.
 *
 * @param rule       stable rule id, e.g. {@code live.latency.p95.ratio}
 * @param hardStop   true when this is the stage's hard stop
 * @param observed   the measured value (a number, or text for fingerprints and failure classes)
 * @param comparator how observed must relate to limit to pass: {@code <=}, {@code >=}, {@code <}, {@code ==}
 * @param samples    sample counts per variant the observation rests on
 * @param note       one line for a person: which topic, which classes, why not judged
 * @param interval   for statistically judged rules, the anytime-valid interval around {@code observed}; absent otherwise
 * @param limitSource for quality rules, where the limit comes from: "playbook" (the thresholds) or "calibrated on
 *                    &lt;date&gt;, &lt;runs&gt; runs" (relative to the control, from {@code ./canary calibrate}); absent otherwise
 */
public record RuleResult(
        String rule,
        String description,
        Outcome outcome,
        boolean hardStop,
        Object observed,
        Object limit,
        String comparator,
        Map<String, Long> samples,
        String note,
        Interval interval,
        String limitSource) {

    public static final String PLAYBOOK = "playbook";

    /** A rule judged on an interval, its limit not a quality limit. */
    public RuleResult(String rule, String description, Outcome outcome, boolean hardStop, Object observed, Object limit,
                      String comparator, Map<String, Long> samples, String note, Interval interval) {
        this(rule, description, outcome, hardStop, observed, limit, comparator, samples, note, interval, null);
    }

    /** An undecided rule that more traffic would not decide: its estimate sits on the limit. */
    public boolean undecidableAtLimit() {
        return outcome == Outcome.INSUFFICIENT && note != null && note.contains(Finding.UNDECIDABLE);
    }

    /** A rule judged on a point estimate (no interval). */
    public RuleResult(String rule, String description, Outcome outcome, boolean hardStop, Object observed, Object limit,
                      String comparator, Map<String, Long> samples, String note) {
        this(rule, description, outcome, hardStop, observed, limit, comparator, samples, note, null);
    }

    @JsonProperty("passed")
    public boolean passed() {
        return outcome == Outcome.PASS;
    }

    public RuleResult asHardStop() {
        return new RuleResult(rule, description, outcome, true, observed, limit, comparator, samples, note, interval,
                limitSource);
    }

    /** The same finding with its limit's source named. */
    public RuleResult withLimitSource(String source) {
        return new RuleResult(rule, description, outcome, hardStop, observed, limit, comparator, samples, note, interval,
                source);
    }

    /** The same finding, not yet decided ({@code why} says what it waits for); what was observed is kept. */
    public RuleResult undecided(String why) {
        return new RuleResult(rule, description, Outcome.INSUFFICIENT, hardStop, observed, limit, comparator, samples,
                note == null ? why : why + "; " + note, interval, limitSource);
    }

    /** "live.latency.p95.ratio: observed 1.41 [1.3, 1.52], limit <= 1.25 (samples {canary=2100, control=40000})". */
    public String explain() {
        StringBuilder sb = new StringBuilder(rule).append(": observed ").append(format(observed));
        if (interval != null) {
            sb.append(" [").append(format(interval.low())).append(", ").append(format(interval.high())).append(']');
        }
        sb.append(", limit ").append(comparator).append(' ').append(format(limit));
        if (limitSource != null && !PLAYBOOK.equals(limitSource)) {
            sb.append(" (").append(limitSource).append(')');
        }
        if (samples != null && !samples.isEmpty()) {
            sb.append(" (samples ").append(new java.util.TreeMap<>(samples)).append(')');
        }
        if (note != null) {
            sb.append(" - ").append(note);
        }
        return sb.toString();
    }

    static String format(Object value) {
        if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return String.valueOf(d);
            }
            return String.format(java.util.Locale.ROOT, "%.4g", d).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
        }
        return String.valueOf(value);
    }
}
