package dev.ragcanary.core.traffic;

/**
 * The lock was not released because an alias does not yet show what the rollout's end requires (weight 0, or the
 * canary with no routing after a promotion). The ledger records it; {@code ./canary release} frees the lock once the
 * alias is right.
 */
public class LockKeptException extends RuntimeException {
    /** How this message, and the reason of the INCOMPLETE ledger entry that records it, begin. */
    public static final String REASON_PREFIX = "lock kept: ";

    public LockKeptException(String message) {
        super(message);
    }
}
