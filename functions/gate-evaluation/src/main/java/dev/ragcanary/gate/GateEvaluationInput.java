package dev.ragcanary.gate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.traffic.Step;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gate evaluation task's input from the stage state machine.
 *
 * @param extensions how many times this stage has already baked again (0 on the first look)
 * @param controlVersion  the control version in the pilot region
 * @param controlVersions region -> the control version there, for every region of the rollout (the weight shifter's
 *                        state summary); empty when the state predates per-region versions: {@code controlVersion}
 *                        everywhere
 * @param probes     the probe replay's summary; null when absent (the probe rules then lack samples, never pass)
 * @param windowStart start of the stage's whole bake window (every extension judges from the same start)
 * @param purpose    "stage" for the stage's own bake, "promotion" for the promotion window held at its weight,
 *                   "after-promotion" for the bake after the promotion to full
 * @param baselineEvidenceKey for "after-promotion": the last stage look's evidence, whose control figures are the
 *                   previous version's baseline
 * @param step       the request's client token: a retried look records its verdict once
 * @param stage      the plan's stage, with this run's bake ({@code bakeSeconds}, the promotion window's for the
 *                   promotion window) when given: the live rules plan their looks over that bake
 * @param lookBakeStart for a live look during the bake: when this run's bake began; null for the gate at its end
 */
public record GateEvaluationInput(RolloutRequest plan, Stage stage, int extensions, String controlVersion,
                                  Map<String, String> controlVersions, ProbeSummary probes, Instant windowStart,
                                  Instant windowEnd, String purpose, String baselineEvidenceKey, Step step,
                                  Instant lookBakeStart) {
    public static final String AFTER_PROMOTION = "after-promotion";


    public GateEvaluationInput {
        controlVersions = Map.copyOf(controlVersions);
    }

    /**
     * Checks the input against schemas/gate-evaluation-input.schema.json and what a schema cannot say (a stage of the
     * plan, the window's order, a version for every region), binds the plan as it is, and reports every problem at
     * once with its JSON path.
     */
    public static GateEvaluationInput parse(JsonNode root) {
        List<Problem> problems = new ArrayList<>(Contract.GATE_EVALUATION_INPUT.problems(root));
        RolloutRequest plan = root.path("rollout").isObject()
                ? RolloutRequestParser.bindPlan(root.get("rollout"), "$.rollout", problems) : null;
        String stageName = root.path("stage").asText(null);
        Stage stage = plan == null || stageName == null ? null : plan.stage(stageName).orElse(null);
        if (plan != null && stageName != null && stage == null) {
            problems.add(new Problem("$.stage", "\"" + stageName + "\" is not a stage of this rollout ("
                    + String.join(", ", plan.stages().stream().map(Stage::name).toList()) + ")"));
        }
        Map<String, String> controlVersions = new LinkedHashMap<>();
        root.path("controlVersions").properties().forEach(e -> controlVersions.put(e.getKey(), e.getValue().asText()));
        if (!controlVersions.isEmpty() && plan != null) {
            plan.regions().stream().filter(region -> !controlVersions.containsKey(region)).forEach(region ->
                    problems.add(new Problem("$.controlVersions", "has no version for region " + region
                            + " of the rollout")));
        }
        Instant start = instant(root.get("windowStart"));
        Instant end = instant(root.get("windowEnd"));
        if (start != null && end != null && !start.isBefore(end)) {
            problems.add(new Problem("$.windowEnd", "must be after windowStart (" + start + ")"));
        }
        Instant lookBakeStart = instant(root.path("look").get("bakeStart"));
        if (root.has("look") && AFTER_PROMOTION.equals(root.path("purpose").asText())) {
            problems.add(new Problem("$.look", "the bake after the promotion takes no live looks"));
        }
        if (lookBakeStart != null && end != null && lookBakeStart.isAfter(end)) {
            problems.add(new Problem("$.look.bakeStart", "must not be after windowEnd, the look's time (" + end + ")"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(Contract.GATE_EVALUATION_INPUT.what(), problems);
        }
        if (root.has("bakeSeconds")) {
            stage = new Stage(stage.name(), stage.weight(), root.get("bakeSeconds").asLong(), stage.hardStop());
        }
        return new GateEvaluationInput(plan, stage, root.path("extensions").asInt(0),
                root.get("controlVersion").asText(), controlVersions,
                root.has("probes") ? Json.MAPPER.convertValue(root.get("probes"), ProbeSummary.class) : null,
                start, end, root.path("purpose").asText("stage"), root.path("baselineEvidenceKey").asText(null),
                Step.of(root), lookBakeStart);
    }

    /** A live look during the bake, not the gate at its end. */
    public boolean isLook() {
        return lookBakeStart != null;
    }

    /** The control version in {@code region}. */
    public String controlVersionIn(String region) {
        return controlVersions.getOrDefault(region, controlVersion);
    }

    /** The instant, or null when absent or not one (the schema reports that). */
    private static Instant instant(JsonNode text) {
        try {
            return text == null ? null : OffsetDateTime.parse(text.asText()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
