package dev.ragcanary.core.gate;

import java.util.Map;

/** Builds rule results from a numeric comparison, so every rule states observed, limit and comparator the same way. */
final class Checks {
    private Checks() {
    }

    static RuleResult atMost(String rule, String description, double observed, double limit, Map<String, Long> samples, String note) {
        return compare(rule, description, observed, limit, "<=", observed <= limit, samples, note);
    }

    static RuleResult below(String rule, String description, double observed, double limit, Map<String, Long> samples, String note) {
        return compare(rule, description, observed, limit, "<", observed < limit, samples, note);
    }

    static RuleResult atLeast(String rule, String description, double observed, double limit, Map<String, Long> samples, String note) {
        return compare(rule, description, observed, limit, ">=", observed >= limit, samples, note);
    }

    static RuleResult compare(String rule, String description, Object observed, Object limit, String comparator,
                              boolean holds, Map<String, Long> samples, String note) {
        return new RuleResult(rule, description, holds ? Outcome.PASS : Outcome.FAIL, false, round(observed), limit,
                comparator, samples, note);
    }

    static RuleResult insufficient(String rule, String description, Object limit, String comparator,
                                   Map<String, Long> samples, String note) {
        return new RuleResult(rule, description, Outcome.INSUFFICIENT, false, null, limit, comparator, samples, note);
    }

    static RuleResult notApplicable(String rule, String description, Object limit, String comparator, String note) {
        return new RuleResult(rule, description, Outcome.NOT_APPLICABLE, false, null, limit, comparator, null, note);
    }

    /** Four decimals is plenty for ratios and scores, and keeps verdicts readable. */
    private static Object round(Object value) {
        if (value instanceof Double d && !d.isNaN() && !d.isInfinite()) {
            return Math.round(d * 10_000.0) / 10_000.0;
        }
        return value;
    }
}
