package dev.ragcanary.core.ports;

/**
 * A call failed in a way that may succeed later (throttling, a 5xx, a timeout, a lost response). The controller
 * handlers report every such failure under this one error name, and only the retry owner retries it: the state
 * machine's Retry for a Task (visible in the execution history), Lambda's async retries for the cleanup. Actions are
 * idempotent, so running one again after a failure that took effect is safe.
 */
public class TransientFailureException extends RuntimeException {
    public TransientFailureException(String message) {
        super(message);
    }

    public TransientFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
