package dev.ragcanary.core.rollout;

/** What the gate decides when a stage has used all its extensions and still lacks the samples to judge. */
public enum InsufficientTraffic {
    ROLLBACK,
    HOLD
}
