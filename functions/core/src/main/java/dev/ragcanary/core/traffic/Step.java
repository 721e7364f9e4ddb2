package dev.ragcanary.core.traffic;

import dev.ragcanary.core.json.JsonObject;
import java.util.Set;
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
     * The step of a state machine request: its {@code executionArn} and {@code step} fields, which the state machines
     * fill from {@code $$.Execution.Id}, {@code $$.State.Name}, {@code $$.State.EnteredTime} and
     * {@code $$.State.RetryCount}: the same token for every retry of one state entry, a new one when the state is
     * entered again. A request without {@code step} (a manual invocation) is its own single attempt. Problems are
     * added to {@code doc}'s problem list.
     */
    public static Step read(JsonObject doc) {
        JsonObject step = doc.object("step", false, Set.of("state", "enteredTime", "retryCount"));
        if (step == null) {
            return first("request/" + UUID.randomUUID());
        }
        String executionArn = doc.text("executionArn", null);
        String state = step.requiredText("state");
        String enteredTime = step.requiredText("enteredTime");
        Long retryCount = step.integer("retryCount", 0L, 0, 1_000);
        if (executionArn == null) {
            doc.problem("executionArn", "required with step: the client token is the execution, state and entered time");
        }
        return state == null || enteredTime == null || retryCount == null || executionArn == null
                ? first("invalid-step")
                : new Step(executionArn + "/" + state + "/" + enteredTime, Math.toIntExact(retryCount) + 1);
    }

    /** A sub-step of this request with a token of its own (a cleanup rolls back, then releases). */
    public Step then(String part) {
        return new Step(token + "#" + part, attempt);
    }
}
