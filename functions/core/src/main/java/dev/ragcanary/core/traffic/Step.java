package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;

/**
 * The request behind a change to a rollout: its client token, so a retried request (a Step Functions retry, a Lambda
 * async retry, a response lost after the write) finds its own ledger entry and changes nothing, and its attempt.
 *
 * @param token   unique per request and the same for each of its retries, e.g. execution + state + entered time
 * @param attempt 1 for the first attempt
 */
public record Step(String token, int attempt) {
    public Step {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a step needs a client token");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1 but was " + attempt);
        }
    }

    public static Step first(String token) {
        return new Step(token, 1);
    }

    /**
     * The step of a state machine request whose schema was checked: its {@code executionArn} and {@code step} fields,
     * which the state machines fill from {@code $$.Execution.Id}, {@code $$.State.Name}, {@code $$.State.EnteredTime}
     * and {@code $$.State.RetryCount}: the same token for every retry of one state entry, a new one when the state is
     * entered again. A request without {@code step} (a manual invocation) is its own single attempt.
     */
    public static Step of(JsonNode request) {
        JsonNode step = request.get("step");
        if (step == null) {
            return first("request/" + UUID.randomUUID());
        }
        return new Step(request.get("executionArn").asText() + "/" + step.get("state").asText() + "/"
                + step.get("enteredTime").asText(), step.path("retryCount").asInt(0) + 1);
    }

    /** A sub-step of this request with a token of its own (a cleanup rolls back, then releases). */
    public Step then(String part) {
        return new Step(token + "#" + part, attempt);
    }
}
