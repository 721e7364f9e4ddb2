package dev.ragcanary.cli.outcome;

/**
 * How {@code ./canary} ends, for scripts and pipelines. A leaf package every command can use without depending on
 * the entry point that lists the commands.
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** An AWS call failed (the message says which and why). */
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;
    public static final int ROLLBACK = 3;
    public static final int EXTEND_OR_HOLD = 4;
    /** A rehearsal's sticky users were served against the stickiness rule, whatever the rollout's outcome. */
    public static final int STICKINESS_VIOLATED = 5;

    private ExitCodes() {
    }
}
