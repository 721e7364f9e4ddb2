package dev.ragcanary.local.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.JsonObject;
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
 * Reads a scenario file strictly, against the start input its {@code startInput} fields are laid over: an unknown
 * field anywhere, a value out of range, or a start-input field the rollout would refuse is reported with its JSON
 * path, every problem at once, and nothing is returned unless the whole file is valid (a typo must not quietly run a
 * healthy rollout). {@code schemas/scenario.schema.json} describes the same document; what a schema cannot say
 * (p95 at least the median, failure shares adding up to 1, the start input as the rollout reads it, regions of the
 * plan, stages a knob can name, states of the stage machine) only this class checks. Checks against the plan run only
 * once the plan itself is valid.
 */
final class ScenarioParser {
    static final Set<String> TOP_FIELDS = Set.of("description", "seed", "traffic", "control", "canary", "controlPlane",
            "startInput", "approvals", "abort", "secondRollout");
    private static final Set<String> APPROVAL_POLICIES = Set.of("approve", "refuse", "timeout");
    private static final Set<String> CONTROL_FIELDS = Set.of("latencyMs", "errorRate", "failureClasses", "cacheHitRatio",
            "rag", "indexHashByRegion");
    /** Contract violations and cache collisions are the canary's faults: the fleet never injects them into the control. */
    private static final Set<String> CANARY_FIELDS = union(CONTROL_FIELDS, Set.of("schemaViolationRate",
            "cacheCollisionsFromWeight"));
    private static final double MAX_LATENCY_MS = 600_000;
    private static final double MAX_REQUESTS_PER_SECOND = 1_000_000;
    private static final long MAX_STICKY_USERS = 10_000_000;
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
        List<Problem> problems = new ArrayList<>();
        JsonObject doc = JsonObject.of(root, "$", problems, TOP_FIELDS);
        String description = doc.text("description", null);
        Long seed = doc.integer("seed", 0L, Long.MIN_VALUE, Long.MAX_VALUE);
        ObjectNode startInput = startInputFields(doc);
        RolloutRequest plan = startInput == null ? null : plan(Scenario.overlay(baseStartInput, startInput), problems);
        Scenario.Traffic traffic = traffic(doc.object("traffic", false, Set.of("requestsPerSecond", "stickyUsers")));
        Scenario.Variant control = variant(doc.object("control", false, CONTROL_FIELDS), plan);
        Scenario.Variant canary = variant(doc.object("canary", false, CANARY_FIELDS), plan);
        List<String> stageRuns = plan == null ? null : stagesWithAnExecution(plan);
        Scenario.ControlPlane controlPlane = controlPlane(doc.object("controlPlane", false, Set.of("throttling")),
                stageRuns);
        String approvals = doc.choice("approvals", null, APPROVAL_POLICIES);
        Scenario.Abort abort = abort(doc.object("abort", false, Set.of("stage", "state")), stageRuns, stageMachineStates);
        JsonObject second = doc.object("secondRollout", false, Set.of("duringStage"));
        String secondDuring = second == null ? null : stage(second, "duringStage", stageRuns);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(what, problems);
        }
        return new Scenario(name, description, startInput, traffic, control, canary, controlPlane, approvals, abort,
                second == null ? null : new Scenario.SecondRollout(secondDuring), seed);
    }

    private static ObjectNode startInputFields(JsonObject doc) {
        if (!doc.has("startInput")) {
            return Json.MAPPER.createObjectNode();
        }
        if (!doc.raw("startInput").isObject()) {
            doc.problem("startInput", "expected an object but found " + JsonObject.describe(doc.raw("startInput")));
            return null;
        }
        return (ObjectNode) doc.raw("startInput");
    }

    /** The plan the rollout will run; its problems come from the scenario's fields, so they are reported under them. */
    private static RolloutRequest plan(ObjectNode startInput, List<Problem> problems) {
        return RolloutRequestParser.parseNested(startInput, "$.startInput", problems);
    }

    private static Scenario.Traffic traffic(JsonObject o) {
        if (o == null) {
            return null;
        }
        Double requestsPerSecond = o.number("requestsPerSecond", Scenario.Traffic.DEFAULT.requestsPerSecond(), 0,
                MAX_REQUESTS_PER_SECOND);
        Long stickyUsers = o.integer("stickyUsers", (long) Scenario.Traffic.DEFAULT.stickyUsers(), 0, MAX_STICKY_USERS);
        return requestsPerSecond == null || stickyUsers == null ? null
                : new Scenario.Traffic(requestsPerSecond, stickyUsers.intValue());
    }

    /** Absent fields stay null: the record fills in the healthy defaults. */
    private static Scenario.Variant variant(JsonObject o, RolloutRequest plan) {
        if (o == null) {
            return null;
        }
        return new Scenario.Variant(latency(o.object("latencyMs", false, Set.of("median", "p95"))),
                share(o, "errorRate"), failureClasses(o), share(o, "cacheHitRatio"), rag(o),
                share(o, "schemaViolationRate"), indexHashes(o, plan), share(o, "cacheCollisionsFromWeight"));
    }

    private static Double share(JsonObject o, String field) {
        return o.has(field) ? o.number(field, null, 0, 1) : null;
    }

    private static Scenario.Latency latency(JsonObject o) {
        if (o == null) {
            return null;
        }
        Double median = o.positiveNumber("median", null, MAX_LATENCY_MS);
        Double p95 = o.positiveNumber("p95", null, MAX_LATENCY_MS);
        if (median == null || p95 == null) {
            return null;
        }
        if (p95 < median) {
            o.problem("p95", "must be at least the median (" + median + " ms) but was " + p95);
            return null;
        }
        return new Scenario.Latency(median, p95);
    }

    private static Map<String, Double> failureClasses(JsonObject o) {
        if (!o.has("failureClasses")) {
            return null;
        }
        Map<String, JsonNode> raw = o.map("failureClasses");
        if (raw.isEmpty()) {
            if (o.raw("failureClasses").isObject()) {
                o.problem("failureClasses", "must name at least one failure class with its share of the failures");
            }
            return null;
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        raw.forEach((failureClass, share) -> {
            if (!share.isNumber() || share.asDouble() <= 0 || share.asDouble() > 1) {
                o.problem("failureClasses." + failureClass, "expected a share of the failures above 0 and at most 1"
                        + " but found " + JsonObject.describe(share));
            } else {
                shares.put(failureClass, share.asDouble());
            }
        });
        if (shares.size() != raw.size()) {
            return null;
        }
        double total = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        if (Math.abs(total - 1) > SHARES_TOLERANCE) {
            o.problem("failureClasses", "shares of the failures must add up to 1 but add up to " + total);
            return null;
        }
        return shares;
    }

    /** The sample RAG target's own reader checks the settings; its problems are reported under this field. */
    private static ObjectNode rag(JsonObject o) {
        if (!o.has("rag")) {
            return null;
        }
        Map<String, JsonNode> settings = o.map("rag");
        try {
            SampleRagConfig.DEFAULTS.with(settings);
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> o.problem("rag." + p.path(), p.message()));
            return null;
        }
        return o.raw("rag").isObject() ? (ObjectNode) o.raw("rag") : null;
    }

    private static Map<String, String> indexHashes(JsonObject o, RolloutRequest plan) {
        if (!o.has("indexHashByRegion")) {
            return null;
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        o.map("indexHashByRegion").forEach((region, hash) -> {
            String field = "indexHashByRegion." + region;
            if (plan != null && !plan.regions().contains(region)) {
                o.problem(field, "names no region of the rollout; its regions are " + plan.regions());
            } else if (!hash.isTextual() || hash.asText().isBlank()) {
                o.problem(field, "expected an INDEX_HASH as text but found " + JsonObject.describe(hash));
            } else {
                hashes.put(region, hash.asText());
            }
        });
        return hashes;
    }

    private static Scenario.ControlPlane controlPlane(JsonObject o, List<String> stages) {
        if (o == null) {
            return null;
        }
        List<Scenario.Throttle> throttles = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonObject item : o.objectList("throttling", false, Set.of("stage", "call", "times"))) {
            String stage = stage(item, "stage", stages);
            String call = item.requiredText("call");
            if (call != null && !ControlPlaneThrottling.CALLS.contains(call)) {
                item.problem("call", "must be one of " + ControlPlaneThrottling.CALLS + " but was \"" + call + "\"");
                call = null;
            }
            Long times = item.integer("times", null, 1, 1_000);
            if (stage != null && call != null && !seen.add(stage + "/" + call)) {
                item.problem("call", call + " at stage " + stage + " is already throttled by an earlier entry; give"
                        + " one entry with the total times");
            } else if (stage != null && call != null && times != null) {
                throttles.add(new Scenario.Throttle(stage, call, times.intValue()));
            }
        }
        return new Scenario.ControlPlane(throttles);
    }

    private static Scenario.Abort abort(JsonObject o, List<String> stages, Set<String> stageMachineStates) {
        if (o == null) {
            return null;
        }
        String stage = stage(o, "stage", stages);
        String state = o.text("state", null);
        if (state != null && !stageMachineStates.contains(state)) {
            o.problem("state", "names no state of the stage machine; its states are " + stageMachineStates);
            return null;
        }
        return stage == null ? null : new Scenario.Abort(stage, state);
    }

    /**
     * The stages a knob can name: those that run a stage execution, i.e. every stage of the plan but the last (the
     * promotion to 100 %, which the rollout machine does itself).
     */
    private static List<String> stagesWithAnExecution(RolloutRequest plan) {
        List<String> names = plan.stages().stream().map(Stage::name).toList();
        return names.subList(0, names.size() - 1);
    }

    /** A required stage name; checked against {@code stages} once the plan is known to be valid (else null). */
    private static String stage(JsonObject o, String field, List<String> stages) {
        String name = o.requiredText(field);
        if (name != null && stages != null && !stages.contains(name)) {
            o.problem(field, "must name a stage that runs before the promotion to 100 %, one of " + stages
                    + ", but was \"" + name + "\"");
            return null;
        }
        return name;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
