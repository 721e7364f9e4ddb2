package dev.ragcanary.core.ports;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rollout state machine's executions, as an operator drives them: one execution per rollout, named after the
 * rollout id so that starting the same rollout twice joins the first execution instead of running a second one.
 * Implementations make one control-plane call per method (except where noted) and throw
 * {@link OperatorException} with a message fit for a terminal.
 */
public interface RolloutExecutions {

    /**
     * Starts an execution named {@code executionName} with {@code inputJson}. If an execution of that name exists,
     * nothing is started and it is returned with {@link Started#alreadyExisted()} set.
     */
    Started start(String executionName, String inputJson);

    /** The execution of that name, or empty if there is none. */
    Optional<Execution> describe(String executionName);

    /**
     * The execution with that ARN, or empty if there is none: e.g. a rollout's recorded owner, which need not be named
     * after the rollout (a pipeline names its executions).
     */
    Optional<Execution> describeByArn(String executionArn);

    /** Every running execution of the rollout state machine (first page of up to 100). */
    List<Execution> running();

    /**
     * The approval the execution is waiting for (a {@code waitForTaskToken} task whose token has not been answered),
     * found from the execution's own history, so the token is never stored anywhere else. Reads the history newest
     * first, page by page.
     */
    Optional<PendingApproval> pendingApproval(String executionName);

    /**
     * The result of the latest stage execution the rollout ran ({@code {"verdict": ..., "evidenceKey": ...}} as JSON
     * text), read from the execution's history newest first; empty when no stage has finished yet.
     */
    Optional<String> lastStageResult(String executionName);

    /** Answers a waiting task with {@code outputJson} (SendTaskSuccess). */
    void answer(String taskToken, String outputJson);

    /** Stops the execution (StopExecution); the stop triggers the rollback cleanup. */
    void stop(String executionName, String error, String cause);

    /**
     * One execution.
     *
     * @param status RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE
     * @param input  the start input, null when not read (listings)
     * @param stopDate null while running
     */
    record Execution(String name, String executionArn, String status, Instant startDate, Instant stopDate,
                     String input, String error, String cause) {
        public boolean running() {
            return "RUNNING".equals(status);
        }
    }

    /** @param alreadyExisted true when the name was taken and {@code execution} is the existing one */
    record Started(Execution execution, boolean alreadyExisted) {
    }

    /**
     * A task waiting for a person.
     *
     * @param message what the state machine published with the token (kind, question, stage, ...), as JSON text
     */
    record PendingApproval(String taskToken, String stateName, Instant since, String message) {
    }

    /** A control-plane error explained for an operator (what failed and what to do). */
    class OperatorException extends RuntimeException {
        public OperatorException(String message, Throwable cause) {
            super(message, cause);
        }

        public OperatorException(String message) {
            super(message);
        }
    }
}
