package dev.ragcanary.core.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.JsonObject;
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
 * Parses and validates a start input (docs/design.md "Data contracts") into a {@link RolloutRequest}. Every problem is
 * collected with its JSON path and reported together; nothing is returned unless the whole document is valid.
 * {@code schemas/start-rollout.schema.json} describes the same document; tests keep the two in agreement.
 */
public final class RolloutRequestParser {
    static final Set<String> TOP_FIELDS = Set.of("rolloutId", "target", "sticky", "trustedTenants", "expectedIndex",
            "cachePrefixes", "probeSet", "regions", "stages", "thresholds", "approvals", "approvalTimeoutSeconds");

    /**
     * The three spellings Lambda accepts for a function (name, partial ARN {@code 123456789012:function:name}, full
     * ARN), without a qualifier; groups: region, account (full ARN), account (partial ARN), name.
     */
    private static final Pattern FUNCTION = Pattern.compile(
            "(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:|(\\d{12}):function:)?([A-Za-z0-9_-]{1,64})");
    private static final Pattern ALIAS = Pattern.compile("(?!\\d+$)[A-Za-z0-9_-]{1,128}");
    private static final Pattern VERSION = Pattern.compile("[1-9]\\d{0,9}");
    private static final Pattern ROLLOUT_ID = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final Pattern STAGE_NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d");
    private static final Pattern PROBE_SET = Pattern.compile("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+|[^:]+");
    static final long MIN_STICKY_HOURS = 24;

    private RolloutRequestParser() {
    }

    public static RolloutRequest parse(String json) {
        return parse(Json.parse("start input", json));
    }

    public static RolloutRequest parse(JsonNode root) {
        List<Problem> problems = new ArrayList<>();
        JsonObject doc = JsonObject.of(root, "$", problems, TOP_FIELDS);

        JsonObject targetObj = doc.object("target", true, Set.of("functionName", "account", "alias", "canaryVersion",
                "canaryVersions"));
        String[] arnRegion = new String[1];
        RolloutRequest.Target target = targetObj == null ? null : target(targetObj, arnRegion);

        JsonObject stickyObj = doc.object("sticky", true, Set.of("keyAttribute", "source", "hours"));
        RolloutRequest.Sticky sticky = stickyObj == null ? null : sticky(stickyObj);

        List<String> trustedTenants = doc.textList("trustedTenants", false);
        duplicates(doc, "trustedTenants", trustedTenants);

        JsonObject indexObj = doc.object("expectedIndex", true, Set.of("INDEX_HASH", "metric", "analyzer"));
        IndexFingerprint expectedIndex = indexObj == null ? null : new IndexFingerprint(
                indexObj.requiredText("INDEX_HASH"), indexObj.requiredText("metric"), indexObj.requiredText("analyzer"));

        JsonObject prefixObj = doc.object("cachePrefixes", true, Set.of("control", "canary"));
        RolloutRequest.CachePrefixes prefixes = prefixObj == null ? null : cachePrefixes(prefixObj);

        String probeSet = doc.requiredText("probeSet");
        if (probeSet != null && !PROBE_SET.matcher(probeSet).matches()) {
            doc.problem("probeSet", "expected s3://bucket/key or a local file path but was \"" + probeSet + "\"");
        }

        List<String> regions = doc.textList("regions", true);
        if (doc.has("regions") && doc.raw("regions").isArray() && doc.raw("regions").isEmpty()) {
            doc.problem("regions", "must list at least one region (the pilot region first)");
        }
        for (int i = 0; i < regions.size(); i++) {
            if (!REGION.matcher(regions.get(i)).matches()) {
                doc.problem("regions[" + i + "]", "expected an AWS region such as us-east-1 but was \"" + regions.get(i) + "\"");
            }
        }
        duplicates(doc, "regions", regions);
        if (target != null) {
            target.canaryVersions().keySet().stream().filter(region -> !regions.contains(region)).forEach(region ->
                    targetObj.problem("canaryVersions." + region, "names a region that is not one of the rollout's"
                            + " regions " + regions));
        }
        if (arnRegion[0] != null && !regions.isEmpty() && !regions.contains(arnRegion[0])) {
            doc.problem("target.functionName", "names a function in " + arnRegion[0] + ", which is not one of the"
                    + " rollout's regions " + regions);
        }

        List<Stage> stages = doc.has("stages") ? stages(doc) : StageLadder.DEFAULT;

        JsonObject thresholdsObj = doc.object("thresholds", false, Thresholds.FIELDS);
        Thresholds thresholds = thresholdsObj == null ? Thresholds.DEFAULTS : Thresholds.read(thresholdsObj, Thresholds.DEFAULTS);

        List<String> approvals = doc.textList("approvals", false);
        Set<String> stageNames = new HashSet<>(stages.stream().map(Stage::name).toList());
        for (int i = 0; i < approvals.size(); i++) {
            if (!stageNames.contains(approvals.get(i))) {
                doc.problem("approvals[" + i + "]", "names no stage of the plan: \"" + approvals.get(i)
                        + "\"; stages are " + stages.stream().map(Stage::name).toList());
            }
        }
        duplicates(doc, "approvals", approvals);
        Long approvalTimeout = doc.integer("approvalTimeoutSeconds", 86_400L, 60, 7 * 86_400L);

        String rolloutId = doc.text("rolloutId", null);
        if (rolloutId != null && !ROLLOUT_ID.matcher(rolloutId).matches()) {
            doc.problem("rolloutId", "expected 1-80 letters, digits, '-' or '_' (it names Step Functions executions) but was \"" + rolloutId + "\"");
        }

        if (!problems.isEmpty()) {
            throw new InvalidInputException("start input", problems);
        }
        if (rolloutId == null) {
            rolloutId = defaultRolloutId(target);
        }
        return new RolloutRequest(rolloutId, target, sticky, trustedTenants, expectedIndex, prefixes, probeSet,
                regions, stages, thresholds, approvals, approvalTimeout);
    }

    /**
     * Parses a plan nested in another document (a handler's input) at {@code path}, e.g. {@code $.rollout}: its
     * problems are added to {@code problems} under that path, and null is returned when there are any.
     */
    public static RolloutRequest parseNested(JsonNode node, String path, List<Problem> problems) {
        try {
            return parse(node);
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> problems.add(new Problem(path + p.path().substring(1), p.message())));
            return null;
        }
    }

    /** Same target and canary version give the same id, so a retried pipeline start joins the first one. */
    static String defaultRolloutId(RolloutRequest.Target target) {
        String fn = target.functionName().substring(target.functionName().lastIndexOf(':') + 1);
        String id = fn + "-" + target.alias() + "-v" + target.canaryVersion();
        return id.length() <= 80 ? id : id.substring(0, 80);
    }

    /**
     * The target in its one normalised form: the bare function name (what the lock, the state item, the sticky
     * assignments, the router and the metrics are keyed by), the account when an ARN or {@code account} names it.
     */
    private static RolloutRequest.Target target(JsonObject o, String[] arnRegion) {
        String spelled = o.requiredText("functionName");
        String functionName = null;
        String account = o.text("account", null);
        if (account != null && !account.matches("\\d{12}")) {
            o.problem("account", "expected a 12-digit AWS account id but was \"" + account + "\"");
        }
        if (spelled != null) {
            Matcher m = FUNCTION.matcher(spelled);
            if (!m.matches()) {
                o.problem("functionName", "expected a Lambda function name, partial ARN (123456789012:function:name) or"
                        + " function ARN, with no version or alias suffix, but was \"" + spelled + "\"");
            } else {
                functionName = m.group(4);
                String arnAccount = m.group(2) != null ? m.group(2) : m.group(3);
                if (arnAccount != null && account != null && !arnAccount.equals(account)) {
                    o.problem("account", "is " + account + " but functionName names account " + arnAccount);
                }
                account = account != null ? account : arnAccount;
                arnRegion[0] = m.group(1);
            }
        }
        String alias = o.requiredText("alias");
        if (alias != null && !ALIAS.matcher(alias).matches()) {
            o.problem("alias", "expected an alias name (letters, digits, '-', '_'; not all digits) but was \"" + alias + "\"");
        }
        String canaryVersion = version(o, "canaryVersion", o.raw("canaryVersion"));
        Map<String, String> canaryVersions = new LinkedHashMap<>();
        o.map("canaryVersions").forEach((region, raw) -> {
            String field = "canaryVersions." + region;
            if (!REGION.matcher(region).matches()) {
                o.problem(field, "expected an AWS region such as eu-west-1 as the key but was \"" + region + "\"");
            }
            String version = version(o, field, raw);
            if (version != null) {
                canaryVersions.put(region, version);
            }
        });
        return new RolloutRequest.Target(functionName, account, alias, canaryVersion, canaryVersions);
    }

    /** A published version number, given as a string or an integer; null (with a problem) for anything else. */
    private static String version(JsonObject o, String field, JsonNode raw) {
        if (raw == null || raw.isNull()) {
            o.problem(field, "required text is missing");
            return null;
        }
        String version = raw.isIntegralNumber() || raw.isTextual() ? raw.asText() : null;
        if ("$LATEST".equals(version)) {
            o.problem(field, "must be a published version number; $LATEST changes under the rollout and cannot carry"
                    + " alias weight");
        } else if (version == null || !VERSION.matcher(version).matches()) {
            o.problem(field, "expected a published version number such as \"42\" but was "
                    + (version == null ? JsonObject.describe(raw) : "\"" + version + "\""));
            return null;
        }
        return version;
    }

    private static RolloutRequest.Sticky sticky(JsonObject o) {
        String keyAttribute = o.requiredText("keyAttribute");
        String source = o.choice("source", "header", Set.of("header", "body"));
        Long hours = o.integer("hours", MIN_STICKY_HOURS, Long.MIN_VALUE, 24 * 365);
        if (hours != null && hours < MIN_STICKY_HOURS) {
            o.problem("hours", "stickiness must be at least " + MIN_STICKY_HOURS + " hours but was " + hours);
        }
        return new RolloutRequest.Sticky(keyAttribute, source, hours == null ? MIN_STICKY_HOURS : hours);
    }

    private static RolloutRequest.CachePrefixes cachePrefixes(JsonObject o) {
        String control = o.requiredText("control");
        String canary = o.requiredText("canary");
        if (control != null && canary != null && (control.startsWith(canary) || canary.startsWith(control))) {
            o.problem("canary", "cache prefixes must not overlap (purging the canary's would touch the control's): \""
                    + control + "\" and \"" + canary + "\"");
        }
        return new RolloutRequest.CachePrefixes(control, canary);
    }

    private static List<Stage> stages(JsonObject doc) {
        List<JsonObject> items = doc.objectList("stages", true, Set.of("name", "weight", "bakeSeconds", "hardStop"));
        if (doc.raw("stages").isArray() && items.isEmpty()) {
            doc.problem("stages", "must list at least one stage");
            return StageLadder.DEFAULT;
        }
        List<Stage> stages = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Double previousWeight = null;
        Set<String> hardStops = Arrays.stream(HardStop.values()).map(Enum::name).collect(java.util.stream.Collectors.toSet());
        for (JsonObject item : items) {
            String name = item.requiredText("name");
            if (name != null && !STAGE_NAME.matcher(name).matches()) {
                item.problem("name", "expected a lower-case name (letters, digits, '-') but was \"" + name + "\"");
            }
            if (name != null && !seen.add(name)) {
                item.problem("name", "duplicate stage name \"" + name + "\"");
            }
            Stage base = name == null ? null : StageLadder.defaultStage(name).orElse(null);
            Double weight = item.number("weight", base == null ? null : base.weight(), 0, 1);
            Long bake = item.integer("bakeSeconds", base == null ? 1800L : base.bakeSeconds(), 0, 7 * 86_400L);
            String hardStop = item.choice("hardStop", base == null ? HardStop.NONE.name() : base.hardStop().name(), hardStops);
            if (weight != null && previousWeight != null && weight <= previousWeight) {
                item.problem("weight", "weights must increase from stage to stage, but " + weight
                        + " does not exceed the previous stage's " + previousWeight);
            }
            if (weight != null) {
                previousWeight = weight;
            }
            if (name != null && weight != null && bake != null && hardStop != null) {
                stages.add(new Stage(name, weight, bake, HardStop.valueOf(hardStop)));
            }
        }
        if (previousWeight != null && previousWeight != 1.0) {
            doc.problem("stages", "the last stage must have weight 1 (promotion) but has " + previousWeight);
        }
        return stages;
    }

    private static void duplicates(JsonObject doc, String field, List<String> values) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            if (!seen.add(values.get(i))) {
                doc.problem(field + "[" + i + "]", "duplicate entry \"" + values.get(i) + "\"");
            }
        }
    }
}
