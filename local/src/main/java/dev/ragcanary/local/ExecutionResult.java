package dev.ragcanary.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * How a local execution ended, with what it cost.
 *
 * @param status          SUCCEEDED, FAILED, ABORTED, TIMED_OUT (or RUNNER_ERROR when the runner itself broke)
 * @param transitions     state transitions of the root and every nested execution (entered states plus retries),
 *                        what Step Functions Standard bills
 * @param maxPayloadBytes largest state input or output seen, in bytes of JSON
 * @param executions      per execution: transitions, estimated history events, largest payload
 */
public record ExecutionResult(String status, JsonNode output, String error, String cause, long transitions,
                              long maxPayloadBytes, String maxPayloadState, List<Stats> executions) {

    public boolean succeeded() {
        return "SUCCEEDED".equals(status);
    }

    /** The most history events any single execution recorded (Step Functions caps each at 25,000). */
    public long maxHistoryEvents() {
        return executions.stream().mapToLong(Stats::historyEvents).max().orElse(0);
    }

    /** @param historyEvents estimated Step Functions history events of this execution */
    public record Stats(String name, String machine, String parent, long transitions, long retries, long historyEvents,
                        long maxPayloadBytes, String status) {
    }
}
