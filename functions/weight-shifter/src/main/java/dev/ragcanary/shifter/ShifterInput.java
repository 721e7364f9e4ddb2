package dev.ragcanary.shifter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.ports.ExecutionInputs;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
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

    /**
     * @param executionInputs reads the start input of an execution whose status event left it out (AWS leaves input
     *                        and output out of the event when together they are too large for it)
     */
    static ShifterInput parse(JsonNode root, ExecutionInputs executionInputs) {
        if (root.isObject() && STATUS_CHANGE.equals(root.path("detail-type").asText())) {
            return fromStatusChange(Contract.EXECUTION_STATUS_CHANGE.checked(root).get("detail"), executionInputs);
        }
        List<Problem> problems = new ArrayList<>(Contract.WEIGHT_SHIFTER_INPUT.problems(root));
        String action = root.path("action").asText();
        RolloutRequest rollout = null;
        if (root.path("rollout").isObject()) {
            // Only validate is given a start input; every later action is given the plan validate returned.
            rollout = "validate".equals(action)
                    ? RolloutRequestParser.parseNested(root.get("rollout"), "$.rollout", problems)
                    : RolloutRequestParser.bindPlan(root.get("rollout"), "$.rollout", problems);
        }
        String stage = root.path("stage").asText(null);
        if (rollout != null && stage != null && rollout.stage(stage).isEmpty()) {
            problems.add(new Problem("$.stage", "names no stage of the plan: \"" + stage + "\"; stages are "
                    + rollout.stages().stream().map(Stage::name).toList()));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(Contract.WEIGHT_SHIFTER_INPUT.what(), problems);
        }
        String reason = "approval".equals(action) ? approvalReason(root.get("answer"), stage)
                : root.path("reason").asText(null);
        return new ShifterInput(Action.valueOf(action.toUpperCase(Locale.ROOT).replace('-', '_')), rollout, stage,
                reason, root.path("executionArn").asText(null), Step.of(root), false, root.path("prefix").asText(null),
                root.path("resumeAfter").asText(null), root.path("pages").asLong(0));
    }

    /** "approved by alice at stage fifty" from the person's answer {"approved": true|false, "by": "alice"}. */
    private static String approvalReason(JsonNode answer, String stage) {
        return (answer.get("approved").asBoolean() ? "approved" : "refused") + " by "
                + answer.path("by").asText("someone who gave no name") + (stage == null ? "" : " at stage " + stage);
    }

    private static ShifterInput fromStatusChange(JsonNode detail, ExecutionInputs executionInputs) {
        String status = detail.get("status").asText();
        String executionArn = detail.get("executionArn").asText();
        if (!ENDED.contains(status)) {
            return new ShifterInput(Action.IGNORE, null, null, "execution status " + status, executionArn, null, false,
                    null, null, 0);
        }
        // Without its start input the cleanup cannot know which rollout the execution drove: that is a failure (the
        // on-failure destination and its alarm get it), never "nothing to do", since the rollout may be ACTIVE.
        String startInput = detail.path("input").isTextual() ? detail.get("input").asText()
                : executionInputs.startInput(executionArn).orElseThrow(() -> new IllegalStateException(
                        "the status event of " + executionArn + " (" + status + ") carries no start input and no"
                                + " execution with that ARN exists to read it from: which rollout it drove is unknown"));
        List<Problem> problems = new ArrayList<>();
        RolloutRequest rollout = null;
        try {
            JsonNode input = Contract.START_INPUT.parse(startInput);
            rollout = RolloutRequestParser.parseNested(input, "$.detail.input", problems);
        } catch (InvalidInputException notJson) {
            notJson.problems().forEach(p -> problems.add(new Problem("$.detail.input" + p.path().substring(1),
                    p.message())));
        }
        if (!problems.isEmpty()) {
            // An execution whose input never validated never took the lock or touched an alias: nothing to undo.
            return new ShifterInput(Action.IGNORE, null, null, "execution " + status + " with an invalid start input ("
                    + problems.get(0) + "); nothing to roll back", executionArn, null, false, null, null, 0);
        }
        String cause = detail.path("cause").asText("");
        // One cleanup per ended execution, however often EventBridge delivers the event or Lambda retries it.
        Step step = Step.first("cleanup/" + executionArn + "/" + status);
        return new ShifterInput(Action.CLEAN_UP, rollout, null, "execution " + status + ": " + executionArn
                + (cause.isBlank() ? "" : " (" + cause + ")"), executionArn, step, "SUCCEEDED".equals(status), null,
                null, 0);
    }
}
