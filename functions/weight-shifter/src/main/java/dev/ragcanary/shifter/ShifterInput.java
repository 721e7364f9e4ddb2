package dev.ragcanary.shifter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.JsonObject;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.ports.ExecutionInputs;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The weight shifter's input: an action from the state machine, or the EventBridge "Step Functions Execution Status
 * Change" event for a stopped execution (a clean-up: a rollback if that execution owns the rollout). All problems are
 * reported at once.
 *
 * @param reason       why (rollback); for a cleanup event, the execution's status, ARN and stop cause
 * @param executionArn the execution that asked, if given: recorded as the rollout's owner by start, kept in the ledger
 *                     reason, and compared with the owner by the clean-up of a stopped execution
 * @param step         the request's client token and attempt: from {@code step} ({@code $$.State.Name},
 *                     {@code $$.State.EnteredTime} and {@code $$.State.RetryCount}, the same for every retry of one
 *                     state entry) with the execution ARN; for a cleanup, the stopped execution and its status; a
 *                     request without either is its own single attempt
 * @param succeeded    for a cleanup, whether the execution SUCCEEDED (then nothing is ever rolled back)
 * @param prefix       for a purge, the prefix the first page purged (null: the first page, which reads it from the
 *                     state)
 * @param resumeAfter  for a purge, where the previous page stopped (null: the first page)
 * @param pages        for a purge, how many pages were purged before this one
 */
record ShifterInput(Action action, RolloutRequest rollout, String stage, String reason, String executionArn, Step step,
                    boolean succeeded, String prefix, String resumeAfter, long pages) {
    /**
     * The state machine's actions (APPROVAL records a person's answer in the ledger; PURGE purges a page of the cache
     * the rollout's end made stale; PURGE_FAILED records a purge that gave up; REVERT_PROMOTION undoes a promotion
     * its bake found failing), plus CLEAN_UP (a stopped execution) and IGNORE (an event with nothing to do).
     */
    enum Action {
        VALIDATE, START, SHIFT, PROMOTE, ROLLBACK, RELEASE, APPROVAL, PURGE, PURGE_FAILED, REVERT_PROMOTION, CLEAN_UP,
        IGNORE
    }

    static final String STATUS_CHANGE = "Step Functions Execution Status Change";
    /** The ends of an execution the cleanup finishes: every one, a success included (its release may have failed). */
    static final Set<String> ENDED = Set.of("SUCCEEDED", "ABORTED", "TIMED_OUT", "FAILED");
    private static final Set<String> FIELDS = Set.of("action", "rollout", "stage", "reason", "executionArn", "answer",
            "step", "prefix", "resumeAfter", "pages");
    private static final Set<String> ACTIONS = Set.of("validate", "start", "shift", "promote", "rollback", "release",
            "approval", "purge", "purge-failed", "revert-promotion");

    /**
     * @param executionInputs reads the start input of an execution whose status event left it out (AWS leaves input
     *                        and output out of the event when together they are too large for it)
     */
    static ShifterInput parse(JsonNode root, ExecutionInputs executionInputs) {
        if (root.isObject() && STATUS_CHANGE.equals(root.path("detail-type").asText())) {
            return fromStatusChange(root.path("detail"), executionInputs);
        }
        List<Problem> problems = new ArrayList<>();
        JsonObject doc = JsonObject.of(root, "$", problems, FIELDS);
        String action = doc.has("action") ? doc.choice("action", null, ACTIONS) : doc.requiredText("action");
        String stage = doc.text("stage", null);
        if ("shift".equals(action) && stage == null) {
            doc.problem("stage", "required for action shift: the name of the stage to shift to");
        }
        String reason = doc.text("reason", null);
        if ("approval".equals(action)) {
            reason = approvalReason(doc, stage);
        }
        RolloutRequest rollout = null;
        if (!doc.has("rollout")) {
            doc.problem("rollout", "required object is missing: the start input or the plan");
        } else {
            rollout = RolloutRequestParser.parseNested(doc.raw("rollout"), "$.rollout", problems);
        }
        Step step = Step.read(doc);
        String prefix = doc.text("prefix", null);
        String resumeAfter = doc.text("resumeAfter", null);
        Long pages = doc.integer("pages", 0L, 0, Long.MAX_VALUE);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("weight shifter input", problems);
        }
        return new ShifterInput(Action.valueOf(action.toUpperCase(Locale.ROOT).replace('-', '_')), rollout, stage,
                reason, doc.text("executionArn", null), step, false, prefix, resumeAfter, pages);
    }

    /** "approved by alice at stage fifty" from the person's answer {"approved": true|false, "by": "alice"}. */
    private static String approvalReason(JsonObject doc, String stage) {
        JsonObject answer = doc.object("answer", true, Set.of("approved", "by"));
        if (answer == null) {
            return null;
        }
        Boolean approved = answer.bool("approved", null);
        if (approved == null && !answer.has("approved")) {
            answer.problem("approved", "required: true when the person approved, false when they refused");
        }
        String by = answer.text("by", "someone who gave no name");
        return (Boolean.TRUE.equals(approved) ? "approved" : "refused") + " by " + by
                + (stage == null ? "" : " at stage " + stage);
    }

    private static ShifterInput fromStatusChange(JsonNode detail, ExecutionInputs executionInputs) {
        String status = detail.path("status").asText();
        String executionArn = detail.path("executionArn").asText(null);
        if (!ENDED.contains(status)) {
            return new ShifterInput(Action.IGNORE, null, null, "execution status " + status, executionArn, null, false,
                    null, null, 0);
        }
        String startInput = detail.path("input").isTextual() ? detail.path("input").asText()
                : executionArn == null ? null : executionInputs.startInput(executionArn).orElse(null);
        List<Problem> problems = new ArrayList<>();
        RolloutRequest rollout = null;
        if (startInput == null) {
            problems.add(new Problem("$.detail.input", "the event carries no start input and no execution "
                    + (executionArn == null ? "ARN to read it by" : executionArn + " exists to read it from")));
        } else {
            try {
                JsonNode input = Json.parse("execution input", startInput);
                rollout = RolloutRequestParser.parseNested(input.has("rollout") ? input.get("rollout") : input, "$.detail.input", problems);
            } catch (InvalidInputException notJson) {
                problems.addAll(notJson.problems());
            }
        }
        if (!problems.isEmpty()) {
            // An execution whose input never validated never took the lock or touched an alias: nothing to undo.
            return new ShifterInput(Action.IGNORE, null, null, "execution " + status + " with an invalid start input ("
                    + problems.get(0) + "); nothing to roll back", executionArn, null, false, null, null, 0);
        }
        String cause = detail.path("cause").asText("");
        // One cleanup per ended execution, however often EventBridge delivers the event or Lambda retries it.
        Step step = Step.first("cleanup/" + (executionArn == null ? "unnamed-execution" : executionArn) + "/" + status);
        return new ShifterInput(Action.CLEAN_UP, rollout, null, "execution " + status
                + (executionArn == null ? "" : ": " + executionArn) + (cause.isBlank() ? "" : " (" + cause + ")"),
                executionArn, step, "SUCCEEDED".equals(status), null, null, 0);
    }
}
