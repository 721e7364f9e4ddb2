package dev.ragcanary.local.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.sample.SampleRagConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a scenario file strictly, against the start input its {@code startInput} fields are laid over: a typo must
 * not quietly run a healthy rollout. {@code schemas/scenario.schema.json} checks shape, types and ranges; this class
 * adds what a schema cannot say (p95 at least the median, failure shares adding up to 1, the start input as the
 * rollout reads it, regions of the plan, stages a knob can name, states of the stage machine, one throttling entry
 * per stage and call, the sample target's own settings). Every problem is reported at once with its JSON path;
 * checks against the plan run only once the plan itself is valid.
 */
final class ScenarioParser {
    private static final double SHARES_TOLERANCE = 1e-9;

    private ScenarioParser() {
    }

    /**
     * @param what               how problems name the document, e.g. {@code scenario events/scenarios/healthy.json}
     * @param baseStartInput     the start input the scenario's {@code startInput} fields are laid over (already valid)
     * @param stageMachineStates the states an abort may name
     */
    static Scenario parse(String name, String what, JsonNode root, JsonNode baseStartInput,
                          Set<String> stageMachineStates) {
        List<Problem> problems = new ArrayList<>(Contract.SCENARIO.problems(root));
        Set<String> badPaths = new HashSet<>(problems.stream().map(Problem::path).toList());
        ObjectNode startInput = root.path("startInput") instanceof ObjectNode given ? given
                : Json.MAPPER.createObjectNode();
        RolloutRequest plan = RolloutRequestParser.parseNested(Scenario.overlay(baseStartInput, startInput),
                "$.startInput", problems);
        List<String> stageRuns = plan == null ? null : stagesWithAnExecution(plan);
        for (String variant : List.of("control", "canary")) {
            variantRules(root.path(variant), "$." + variant, plan, badPaths, problems);
        }
        Set<String> throttled = new HashSet<>();
        JsonNode throttling = root.path("controlPlane").path("throttling");
        for (int i = 0; throttling.isArray() && i < throttling.size(); i++) {
            String path = "$.controlPlane.throttling[" + i + "]";
            String stage = stage(throttling.get(i).path("stage"), path + ".stage", stageRuns, problems);
            String call = throttling.get(i).path("call").asText();
            if (stage != null && !throttled.add(stage + "/" + call)) {
                problems.add(new Problem(path + ".call", call + " at stage " + stage + " is already throttled by an"
                        + " earlier entry; give one entry with the total times"));
            }
        }
        JsonNode abort = root.path("abort");
        stage(abort.path("stage"), "$.abort.stage", stageRuns, problems);
        if (abort.path("state").isTextual() && !stageMachineStates.contains(abort.get("state").asText())) {
            problems.add(new Problem("$.abort.state", "names no state of the stage machine; its states are "
                    + stageMachineStates));
        }
        stage(root.path("secondRollout").path("duringStage"), "$.secondRollout.duringStage", stageRuns, problems);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(what, problems);
        }
        return bind(name, root, startInput);
    }

    /** The rules a schema cannot say about one variant; a field the schema already refused is not judged again. */
    private static void variantRules(JsonNode variant, String path, RolloutRequest plan, Set<String> badPaths,
                                     List<Problem> problems) {
        for (String field : List.of("latencyMs", "egress.ageMs")) {
            JsonNode latency = variant.at("/" + field.replace('.', '/'));
            if (latency.path("p95").isNumber() && latency.path("median").isNumber()
                    && latency.get("p95").asDouble() < latency.get("median").asDouble()) {
                problems.add(new Problem(path + "." + field + ".p95", "must be at least the median ("
                        + latency.get("median").asDouble() + " ms) but was " + latency.get("p95").asDouble()));
            }
        }
        JsonNode failureClasses = variant.path("failureClasses");
        if (failureClasses.isObject() && !failureClasses.isEmpty()
                && badPaths.stream().noneMatch(bad -> bad.startsWith(path + ".failureClasses"))) {
            double total = 0;
            for (JsonNode share : failureClasses) {
                total += share.asDouble();
            }
            if (Math.abs(total - 1) > SHARES_TOLERANCE) {
                problems.add(new Problem(path + ".failureClasses", "shares of the failures must add up to 1 but add"
                        + " up to " + total));
            }
        }
        if (variant.path("rag").isObject() && badPaths.stream().noneMatch(bad -> bad.startsWith(path + ".rag"))) {
            Map<String, JsonNode> settings = new LinkedHashMap<>();
            variant.get("rag").properties().forEach(e -> settings.put(e.getKey(), e.getValue()));
            try {
                SampleRagConfig.DEFAULTS.with(settings);
            } catch (InvalidInputException e) {
                e.problems().forEach(p -> problems.add(new Problem(path + ".rag." + p.path(), p.message())));
            }
        }
        if (plan != null) {
            variant.path("indexHashByRegion").fieldNames().forEachRemaining(region -> {
                if (!plan.regions().contains(region)) {
                    problems.add(new Problem(path + ".indexHashByRegion." + region, "names no region of the rollout;"
                            + " its regions are " + plan.regions()));
                }
            });
        }
    }

    /** A stage a knob names; checked against {@code stages} once the plan is known to be valid. */
    private static String stage(JsonNode given, String path, List<String> stages, List<Problem> problems) {
        if (!given.isTextual()) {
            return null;
        }
        if (stages != null && !stages.contains(given.asText())) {
            problems.add(new Problem(path, "must name a stage that runs before the promotion to 100 %, one of "
                    + stages + ", but was \"" + given.asText() + "\""));
            return null;
        }
        return given.asText();
    }

    /**
     * The stages a knob can name: those that run a stage execution, i.e. every stage of the plan but the last (the
     * promotion to 100 %, which the rollout machine does itself).
     */
    private static List<String> stagesWithAnExecution(RolloutRequest plan) {
        List<String> names = plan.stages().stream().map(Stage::name).toList();
        return names.subList(0, names.size() - 1);
    }

    /** The valid document as records; absent parts take the healthy defaults the records fill in. */
    private static Scenario bind(String name, JsonNode root, ObjectNode startInput) {
        JsonNode traffic = root.get("traffic");
        List<Scenario.Throttle> throttles = new ArrayList<>();
        root.path("controlPlane").path("throttling").forEach(t -> throttles.add(new Scenario.Throttle(
                t.get("stage").asText(), t.get("call").asText(), t.get("times").asInt())));
        JsonNode abort = root.get("abort");
        JsonNode second = root.get("secondRollout");
        return new Scenario(name, root.path("description").asText(null), startInput,
                traffic == null ? null : new Scenario.Traffic(
                        traffic.path("requestsPerSecond").asDouble(Scenario.Traffic.DEFAULT.requestsPerSecond()),
                        traffic.path("stickyUsers").asInt(Scenario.Traffic.DEFAULT.stickyUsers())),
                variant(root.get("control")), variant(root.get("canary")),
                root.has("controlPlane") ? new Scenario.ControlPlane(throttles) : null,
                root.path("approvals").asText(null),
                abort == null ? null : new Scenario.Abort(abort.get("stage").asText(), abort.path("state").asText(null)),
                second == null ? null : new Scenario.SecondRollout(second.get("duringStage").asText()),
                root.path("seed").asLong(0));
    }

    /** Absent fields stay null: the record fills in the healthy defaults. */
    private static Scenario.Variant variant(JsonNode v) {
        if (v == null) {
            return null;
        }
        JsonNode egress = v.get("egress");
        return new Scenario.Variant(latency(v.get("latencyMs")),
                number(v, "errorRate"), map(v, "failureClasses", Double.class), number(v, "cacheHitRatio"),
                (ObjectNode) v.get("rag"), number(v, "schemaViolationRate"), map(v, "indexHashByRegion", String.class),
                number(v, "cacheCollisionsFromWeight"), egress == null ? null : new Scenario.Egress(
                        number(egress, "failureRate"), number(egress, "retryRate"), latency(egress.get("ageMs"))));
    }

    private static Scenario.Latency latency(JsonNode latency) {
        return latency == null ? null : new Scenario.Latency(latency.get("median").asDouble(), latency.get("p95").asDouble());
    }

    private static Double number(JsonNode v, String field) {
        return v.has(field) ? v.get(field).asDouble() : null;
    }

    private static <T> Map<String, T> map(JsonNode v, String field, Class<T> values) {
        return v.has(field) ? Json.MAPPER.convertValue(v.get(field),
                Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, values)) : null;
    }
}
