package dev.ragcanary.core.judge;

/** The judge's three answers. */
public enum Call {
    /** confidently within the limit. */
    PASS,
    /** confidently beyond the limit. */
    FAIL,
    /** not yet known: bake longer. */
    UNDECIDED
}
