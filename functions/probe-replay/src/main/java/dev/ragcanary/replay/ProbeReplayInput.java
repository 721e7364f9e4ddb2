package dev.ragcanary.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
import java.util.ArrayList;
import java.util.List;

/**
 * One page's input from the stage state machine.
 *
 * @param purpose         "stage" or "promotion"
 * @param continuedKey    the evidence key of the replay this page continues; null on the first page
 * @param page            1 for the first page
 */
record ProbeReplayInput(RolloutRequest plan, String stage, String controlVersion, String purpose, String continuedKey,
                        int page) {

    /**
     * Checks the input against schemas/probe-replay-input.schema.json and what a schema cannot say (a stage of the
     * plan, a page within {@code maxPages}, a continuation of this rollout, stage and purpose), binds the plan as it
     * is, and reports every problem at once with its JSON path.
     */
    static ProbeReplayInput parse(JsonNode input, int maxPages) {
        List<Problem> problems = new ArrayList<>(Contract.PROBE_REPLAY_INPUT.problems(input));
        RolloutRequest plan = input.path("rollout").isObject()
                ? RolloutRequestParser.bindPlan(input.get("rollout"), "$.rollout", problems) : null;
        String stage = input.path("stage").asText();
        if (plan != null && plan.stage(stage).isEmpty()) {
            problems.add(new Problem("$.stage", "names no stage of the plan: \"" + stage + "\"; stages are "
                    + plan.stages().stream().map(Stage::name).toList()));
        }
        JsonNode continuation = input.path("continuation");
        int page = continuation.path("page").asInt(1);
        if (page > maxPages) {
            problems.add(new Problem("$.continuation.page", "must be at most " + maxPages
                    + " (PROBE_MAX_PAGES) but was " + page));
        }
        String purpose = input.path("purpose").asText("stage");
        String continuedKey = continuation.path("evidenceKey").asText(null);
        if (plan != null && continuedKey != null) {
            String keyPrefix = keyPrefix(plan, stage, purpose);
            if (!(continuedKey.startsWith(keyPrefix) && continuedKey.endsWith(".json"))) {
                problems.add(new Problem("$.continuation.evidenceKey", "must be a replay of this rollout, stage and"
                        + " purpose (" + keyPrefix + "*.json) but was \"" + continuedKey + "\""));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(Contract.PROBE_REPLAY_INPUT.what(), problems);
        }
        return new ProbeReplayInput(plan, stage, input.get("controlVersion").asText(), purpose, continuedKey, page);
    }

    /** Where this replay's evidence goes: like the gate's looks, the promotion window's beside the stage's own. */
    String keyPrefix() {
        return keyPrefix(plan, stage, purpose);
    }

    private static String keyPrefix(RolloutRequest plan, String stage, String purpose) {
        return "rollouts/" + plan.rolloutId() + "/probes/" + stage + "/" + ("stage".equals(purpose) ? "" : purpose + "-");
    }
}
