package dev.ragcanary.core.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.rag.IndexFingerprint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a start input into a {@link RolloutRequest}: {@code schemas/start-rollout.schema.json} checks shape, types
 * and ranges; this class adds the rules a schema cannot say (weights increasing, last weight 1, unique stage names, a
 * stage not named after a default stage has a weight, approvals naming stages of the plan, cache prefixes not
 * overlapping, the regions an ARN or {@code canaryVersions} names). Every problem of both kinds is reported at once;
 * nothing is returned unless the whole document is valid.
 */
public final class RolloutRequestParser {
    /** Splits the three spellings the schema accepts; groups: region, account (full ARN), account (partial ARN), name. */
    private static final Pattern FUNCTION = Pattern.compile(
            "(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:|(\\d{12}):function:)?(.+)");

    private RolloutRequestParser() {
    }

    public static RolloutRequest parse(String json) {
        return parse(Contract.START_INPUT.parse(json));
    }

    public static RolloutRequest parse(JsonNode root) {
        List<Problem> problems = new ArrayList<>(Contract.START_INPUT.problems(root));
        List<Stage> stages = root.has("stages") ? stages(root.get("stages"), problems) : StageLadder.DEFAULT;
        crossFieldProblems(root, stages, problems);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(Contract.START_INPUT.what(), problems.stream().distinct().toList());
        }
        return bind(root, stages);
    }

    /**
     * A start input nested in another document at {@code path} (e.g. {@code $.startInput}): its problems go to
     * {@code problems} under that path, and null is returned when there are any.
     */
    public static RolloutRequest parseNested(JsonNode node, String path, List<Problem> problems) {
        try {
            return parse(node);
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> problems.add(new Problem(path + p.path().substring(1), p.message())));
            return null;
        }
    }

    /**
     * The plan the validate step returned, bound as it is: a handler after the first trusts it (the state machine
     * passes only validate's output) and only refuses one that does not bind, e.g. a hand-written event.
     */
    public static RolloutRequest bindPlan(JsonNode node, String path, List<Problem> problems) {
        if (!(node instanceof ObjectNode given) || !(given.get("target") instanceof ObjectNode givenTarget)) {
            return Json.bindStrictly(node, RolloutRequest.class, path, problems);
        }
        // The plan's optional components: validate's plan leaves out a null account and calibration (Json.MAPPER
        // writes no nulls); an event written by hand may leave out the empty ones too.
        ObjectNode plan = given.deepCopy();
        ObjectNode target = (ObjectNode) plan.get("target");
        if (!givenTarget.has("account")) {
            target.putNull("account");
        }
        if (!givenTarget.has("canaryVersions")) {
            target.putObject("canaryVersions");
        }
        if (!given.has("calibration")) {
            plan.putNull("calibration");
        }
        for (String list : List.of("trustedTenants", "approvals")) {
            if (!given.has(list)) {
                plan.putArray(list);
            }
        }
        if (plan.get("thresholds") instanceof ObjectNode thresholds) {
            // a plan validated before a release added limits (the egress ones) binds with their defaults
            ObjectNode complete = Json.MAPPER.valueToTree(Thresholds.DEFAULTS);
            complete.setAll(thresholds);
            plan.set("thresholds", complete);
        }
        return Json.bindStrictly(plan, RolloutRequest.class, path, problems);
    }

    /** Same target and canary version give the same id, so a retried pipeline start joins the first one. */
    static String defaultRolloutId(RolloutRequest.Target target) {
        String id = target.functionName() + "-" + target.alias() + "-v" + target.canaryVersion();
        return id.length() <= 80 ? id : id.substring(0, 80);
    }

    private static void crossFieldProblems(JsonNode root, List<Stage> stages, List<Problem> problems) {
        List<String> regions = texts(root.path("regions"));
        JsonNode target = root.path("target");
        Matcher function = FUNCTION.matcher(target.path("functionName").asText(""));
        if (function.matches()) {
            String arnAccount = function.group(2) != null ? function.group(2) : function.group(3);
            String account = target.path("account").asText(null);
            if (arnAccount != null && account != null && !arnAccount.equals(account)) {
                problems.add(new Problem("$.target.account", "is " + account + " but functionName names account "
                        + arnAccount));
            }
            if (function.group(1) != null && !regions.isEmpty() && !regions.contains(function.group(1))) {
                problems.add(new Problem("$.target.functionName", "names a function in " + function.group(1)
                        + ", which is not one of the rollout's regions " + regions));
            }
        }
        target.path("canaryVersions").fieldNames().forEachRemaining(region -> {
            if (!regions.contains(region)) {
                problems.add(new Problem("$.target.canaryVersions." + region, "names a region that is not one of the"
                        + " rollout's regions " + regions));
            }
        });
        JsonNode prefixes = root.path("cachePrefixes");
        String control = prefixes.path("control").asText("");
        String canary = prefixes.path("canary").asText("");
        if (!control.isEmpty() && !canary.isEmpty() && (control.startsWith(canary) || canary.startsWith(control))) {
            problems.add(new Problem("$.cachePrefixes.canary", "cache prefixes must not overlap (purging the canary's"
                    + " would touch the control's): \"" + control + "\" and \"" + canary + "\""));
        }
        List<String> stageNames = stages.stream().map(Stage::name).toList();
        List<String> approvals = texts(root.path("approvals"));
        for (int i = 0; i < approvals.size(); i++) {
            if (!stageNames.contains(approvals.get(i))) {
                problems.add(new Problem("$.approvals[" + i + "]", "names no stage of the plan: \"" + approvals.get(i)
                        + "\"; stages are " + stageNames));
            }
        }
    }

    /** The stages as given, a default stage's name bringing its weight, bake and hard stop for fields left out. */
    private static List<Stage> stages(JsonNode items, List<Problem> problems) {
        if (!items.isArray()) {
            return StageLadder.DEFAULT; // not a list: the schema's problem, and nothing to read stages from
        }
        List<Stage> stages = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Double previousWeight = null;
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String path = "$.stages[" + i + "]";
            String name = item.path("name").asText("");
            Stage base = StageLadder.defaultStage(name).orElse(null);
            if (!name.isEmpty() && !seen.add(name)) {
                problems.add(new Problem(path + ".name", "duplicate stage name \"" + name + "\""));
            }
            JsonNode weight = item.get("weight");
            if (weight == null && base == null) {
                problems.add(new Problem(path + ".weight", "required: \"" + name + "\" is not a default stage, so it"
                        + " has no default weight"));
                continue;
            }
            double w = weight != null ? weight.asDouble() : base.weight();
            if (w < 0 || w > 1) {
                continue; // out of range: the schema's problem, and no base for the next stage's order
            }
            if (previousWeight != null && w <= previousWeight) {
                problems.add(new Problem(path + ".weight", "weights must increase from stage to stage, but " + w
                        + " does not exceed the previous stage's " + previousWeight));
            }
            previousWeight = w;
            stages.add(new Stage(name, w,
                    item.has("bakeSeconds") ? item.get("bakeSeconds").asLong() : base == null ? 1800 : base.bakeSeconds(),
                    hardStop(item.get("hardStop"), base)));
        }
        if (previousWeight != null && previousWeight != 1.0) {
            problems.add(new Problem("$.stages", "the last stage must have weight 1 (promotion) but has "
                    + previousWeight));
        }
        return stages;
    }

    /** A bad name is the schema's problem to report; here it only must not throw. */
    private static HardStop hardStop(JsonNode given, Stage base) {
        if (given == null) {
            return base == null ? HardStop.NONE : base.hardStop();
        }
        return Arrays.stream(HardStop.values()).filter(h -> h.name().equals(given.asText())).findFirst()
                .orElse(HardStop.NONE);
    }

    /** The valid document in its one normalised form: the bare function name, the account an ARN names. */
    private static RolloutRequest bind(JsonNode root, List<Stage> stages) {
        JsonNode t = root.get("target");
        Matcher function = FUNCTION.matcher(t.get("functionName").asText());
        function.matches();
        String arnAccount = function.group(2) != null ? function.group(2) : function.group(3);
        Map<String, String> canaryVersions = new LinkedHashMap<>();
        t.path("canaryVersions").properties().forEach(e -> canaryVersions.put(e.getKey(), e.getValue().asText()));
        RolloutRequest.Target target = new RolloutRequest.Target(function.group(4),
                t.path("account").asText(arnAccount), t.get("alias").asText(), t.get("canaryVersion").asText(),
                canaryVersions);
        JsonNode sticky = root.get("sticky");
        JsonNode index = root.get("expectedIndex");
        JsonNode prefixes = root.get("cachePrefixes");
        return new RolloutRequest(
                root.path("rolloutId").asText(defaultRolloutId(target)),
                target,
                new RolloutRequest.Sticky(sticky.get("keyAttribute").asText(), sticky.path("source").asText("header"),
                        sticky.path("hours").asLong(24)),
                texts(root.path("trustedTenants")),
                new IndexFingerprint(index.get("INDEX_HASH").asText(), index.get("metric").asText(),
                        index.get("analyzer").asText()),
                new RolloutRequest.CachePrefixes(prefixes.get("control").asText(), prefixes.get("canary").asText()),
                root.get("probeSet").asText(),
                texts(root.get("regions")),
                stages,
                Thresholds.DEFAULTS.overriddenBy(root.get("thresholds")),
                texts(root.path("approvals")),
                root.path("approvalTimeoutSeconds").asLong(86_400),
                root.path("calibration").asText(null));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(item -> {
            if (item.isTextual()) {
                out.add(item.asText());
            }
        });
        return out;
    }
}
