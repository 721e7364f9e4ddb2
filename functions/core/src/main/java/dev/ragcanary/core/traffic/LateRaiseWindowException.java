package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.TransientFailureException;

/**
 * A release asked too soon after a rollback: a shift that read the rollout ACTIVE before it could still be running.
 * Transient, so the retry owner tries again once the window has passed; an operator is told when.
 */
public class LateRaiseWindowException extends TransientFailureException {
    public LateRaiseWindowException(String message) {
        super(message);
    }
}
