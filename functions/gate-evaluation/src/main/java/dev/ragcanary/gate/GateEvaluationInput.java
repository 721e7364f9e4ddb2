package dev.ragcanary.gate;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.JsonObject;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.traffic.Step;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 */
public record GateEvaluationInput(RolloutRequest plan, Stage stage, int extensions, String controlVersion,
                                  Map<String, String> controlVersions, ProbeSummary probes, Instant windowStart,
                                  Instant windowEnd, String purpose, String baselineEvidenceKey, Step step) {
    public static final String AFTER_PROMOTION = "after-promotion";


    public GateEvaluationInput {
        controlVersions = Map.copyOf(controlVersions);
    }

    static final Set<String> FIELDS = Set.of("rollout", "stage", "extensions", "controlVersion", "controlVersions",
            "probes", "windowStart", "windowEnd", "purpose", "baselineEvidenceKey", "executionArn", "step");
    private static final ObjectReader PROBES = Json.MAPPER.readerFor(ProbeSummary.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Reads and checks every field, reporting all problems at once with their JSON paths. */
    public static GateEvaluationInput parse(JsonNode root) {
        List<Problem> problems = new ArrayList<>();
        JsonObject o = JsonObject.of(root, "$", problems, FIELDS);
        RolloutRequest plan = null;
        if (!o.has("rollout")) {
            o.problem("rollout", "required object is missing");
        } else {
            plan = RolloutRequestParser.parseNested(o.raw("rollout"), "$.rollout", problems);
        }
        String stageName = o.requiredText("stage");
        Stage stage = null;
        if (plan != null && stageName != null) {
            stage = plan.stage(stageName).orElse(null);
            if (stage == null) {
                o.problem("stage", "\"" + stageName + "\" is not a stage of this rollout ("
                        + String.join(", ", plan.stages().stream().map(Stage::name).toList()) + ")");
            }
        }
        Long extensions = o.integer("extensions", 0L, 0, 1_000);
        String controlVersion = o.requiredText("controlVersion");
        Map<String, String> controlVersions = controlVersions(o, plan);
        ProbeSummary probes = probes(o, problems);
        Instant start = instant(o, "windowStart");
        Instant end = instant(o, "windowEnd");
        if (start != null && end != null && !start.isBefore(end)) {
            o.problem("windowEnd", "must be after windowStart (" + start + ")");
        }
        String purpose = o.choice("purpose", "stage", Set.of("stage", "promotion", AFTER_PROMOTION));
        String baselineEvidenceKey = o.text("baselineEvidenceKey", null);
        if (AFTER_PROMOTION.equals(purpose) && baselineEvidenceKey == null) {
            o.problem("baselineEvidenceKey", "required for purpose " + AFTER_PROMOTION + ": the last stage look's"
                    + " evidence, whose control figures are the baseline");
        }
        Step step = Step.read(o);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("gate evaluation input", problems);
        }
        return new GateEvaluationInput(plan, stage, extensions.intValue(), controlVersion, controlVersions, probes,
                start, end, purpose, baselineEvidenceKey, step);
    }

    /** The control version in {@code region}. */
    public String controlVersionIn(String region) {
        return controlVersions.getOrDefault(region, controlVersion);
    }

    /** Region -> version text; when given, it must name every region of the rollout (a gap would judge by the pilot's). */
    private static Map<String, String> controlVersions(JsonObject o, RolloutRequest plan) {
        Map<String, String> versions = new LinkedHashMap<>();
        o.map("controlVersions").forEach((region, version) -> {
            if (version.isTextual() && !version.asText().isBlank()) {
                versions.put(region, version.asText());
            } else {
                o.problem("controlVersions." + region, "expected a version such as \"41\" but found "
                        + JsonObject.describe(version));
            }
        });
        if (!versions.isEmpty() && plan != null) {
            plan.regions().stream().filter(region -> !o.raw("controlVersions").has(region)).forEach(region ->
                    o.problem("controlVersions", "has no version for region " + region + " of the rollout"));
        }
        return versions;
    }

    private static ProbeSummary probes(JsonObject o, List<Problem> problems) {
        if (!o.has("probes")) {
            return null;
        }
        try {
            return PROBES.readValue(o.raw("probes"));
        } catch (JsonMappingException e) {
            StringBuilder path = new StringBuilder("$.probes");
            e.getPath().forEach(ref -> path.append(ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]"));
            problems.add(new Problem(path.toString(), e.getOriginalMessage().split("\n")[0]));
        } catch (IOException e) {
            problems.add(new Problem("$.probes", e.getMessage()));
        }
        return null;
    }

    private static Instant instant(JsonObject o, String field) {
        String text = o.requiredText(field);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            o.problem(field, "expected an ISO-8601 instant such as 2025-08-27T06:30:00Z but found \"" + text + "\"");
            return null;
        }
    }
}
