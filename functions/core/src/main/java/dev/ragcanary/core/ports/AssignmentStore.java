package dev.ragcanary.core.ports;

import dev.ragcanary.core.traffic.Assignment;
import java.time.Instant;
import java.util.Optional;

/** Sticky assignments, one per (function, alias, sticky key). */
public interface AssignmentStore {

    /** The stored assignment, even if expired or of an older rollout: validity is the caller's call. */
    Optional<Assignment> get(String functionName, String alias, String stickyKey);

    /**
     * Writes {@code candidate} unless the stored assignment is still valid for it (same rollout, epoch not older, not
     * expired at {@code now}, and not a control assignment made at a lower weight). Conditional, so concurrent routers
     * agree: exactly one wins and the others get the winner.
     *
     * @return the assignment in force afterwards and whether this call wrote it
     */
    Claim claim(String functionName, String alias, Assignment candidate, Instant now);

    /**
     * @param assignment {@code candidate} if it was written, else the one that won
     * @param written    whether this call's write won
     */
    record Claim(Assignment assignment, boolean written) {
    }
}
