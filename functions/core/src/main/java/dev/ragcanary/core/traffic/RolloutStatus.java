package dev.ragcanary.core.traffic;

/** Lifecycle of a rollout's state item. Every status but {@link #RELEASED} holds the (function, alias) lock. */
public enum RolloutStatus {
    /** Stages are running; the router splits keyed traffic by the current weight. */
    ACTIVE,
    /** The alias points at the canary; routing cleared. */
    PROMOTED,
    /** Canary weight is 0 everywhere and the epoch was bumped; every canary assignment is void. */
    ROLLED_BACK,
    /** The lock is free; another rollout may start on the alias. */
    RELEASED;

    public boolean holdsLock() {
        return this != RELEASED;
    }
}
