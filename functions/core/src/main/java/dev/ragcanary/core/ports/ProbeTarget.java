package dev.ragcanary.core.ports;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** Invokes one published version of the RAG function directly (by qualifier), for probe replay. */
public interface ProbeTarget {

    /**
     * Sends {@code payload} to {@code version} and waits at most {@code timeout}. Never throws for a function error
     * or timeout: those come back as a failed {@link Invocation} so one bad probe cannot crash a replay.
     *
     * @throws ThrottledException when the caller should back off and retry
     */
    Invocation invoke(String version, JsonNode payload, Duration timeout);

    /**
     * @param response     the function's JSON response, or null when it failed
     * @param latencyMs    wall time of the call
     * @param failureClass normalized error signature when it failed, e.g. {@code 5xx:UpstreamTimeout}, else null
     */
    record Invocation(JsonNode response, double latencyMs, String failureClass) {
        public boolean failed() {
            return failureClass != null;
        }
    }

    class ThrottledException extends TransientFailureException {
        public ThrottledException(String message) {
            super(message);
        }
    }
}
