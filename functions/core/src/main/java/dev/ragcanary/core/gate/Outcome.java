package dev.ragcanary.core.gate;

/** Result of one rule. */
public enum Outcome {
    PASS,
    FAIL,
    /** fewer samples than the rule needs, or an interval that does not yet decide: neither pass nor fail (bake again). */
    INSUFFICIENT,
    /** the rule does not apply at this stage (e.g. live comparisons at weight 0). */
    NOT_APPLICABLE
}
