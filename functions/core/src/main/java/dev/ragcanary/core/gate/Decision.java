package dev.ragcanary.core.gate;

/** What the gate tells the stage machine to do next. */
public enum Decision {
    /** every rule holds: move to the next stage. */
    PROMOTE,
    /** a rule failed: canary weight to zero at once. */
    ROLLBACK,
    /** a rule lacks its minimum samples: bake longer at the same weight. */
    EXTEND,
    /** wait for a person. */
    HOLD
}
