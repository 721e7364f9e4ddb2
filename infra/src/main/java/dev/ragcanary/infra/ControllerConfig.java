package dev.ragcanary.infra;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What one controller stack is allowed to touch and how it is set up. Read from CDK context
 * ({@code -c key=value} or cdk.json) by {@link #fromContext}, which reports every bad key at once.
 *
 * @param stackName           CloudFormation stack name (a test stack beside production needs its own)
 * @param targetFunctions     unqualified names or ARNs of the RAG functions whose aliases the controller may change
 *                            (nothing else); names are resolved in every region of {@code regions}
 * @param routedFunction      the target function name the traffic router fronts (default: the first target's name)
 * @param routedAlias         the alias of that function users call through the router
 * @param targetAliases       the aliases of the target functions a rollout may shift (default: {@code routedAlias})
 * @param regions             regions the rollout may touch, pilot first; empty means the stack's own region
 * @param tablePrefix         prefix of the DynamoDB table names
 * @param dashboard           whether to create the CloudWatch dashboard
 * @param notificationEmail   optional address subscribed to the notification topic
 * @param notificationTopicArn optional existing SNS topic to notify instead of creating one
 * @param deletionProtection  production switch: table deletion protection and retained data; off for test stacks
 * @param demoTarget          also deploy the sample RAG target (a published version and an alias) as a target
 * @param demoCanary          publish the demo target's canary configuration as its next version (the alias stays)
 * @param cacheTable          optional DynamoDB answer cache (in the stack's region) whose stale prefix the end of a
 *                            rollout purges (the canary's after a rollback, the control's after a promotion)
 * @param cachePurgeWebhook   optional https URL the end of a rollout calls with the stale prefix to purge
 * @param routerIdentity      where the router reads caller identity, its HTTP API front door and warm-up schedule
 */
public record ControllerConfig(String stackName, List<String> targetFunctions, String routedFunction,
                               String routedAlias, List<String> targetAliases, List<String> regions, String tablePrefix,
                               boolean dashboard, Optional<String> notificationEmail,
                               Optional<String> notificationTopicArn, boolean deletionProtection,
                               boolean demoTarget, boolean demoCanary, Optional<String> cacheTable,
                               Optional<String> cachePurgeWebhook, RouterIdentityConfig routerIdentity) {

    public static final String STACK_NAME = "stackName";
    public static final String TARGET_FUNCTIONS = "targetFunctions";
    public static final String ROUTED_FUNCTION = "routedFunction";
    public static final String ROUTED_ALIAS = "routedAlias";
    public static final String TARGET_ALIASES = "targetAliases";
    public static final String REGIONS = "regions";
    public static final String TABLE_PREFIX = "tablePrefix";
    public static final String DASHBOARD = "dashboard";
    public static final String NOTIFICATION_EMAIL = "notificationEmail";
    public static final String NOTIFICATION_TOPIC_ARN = "notificationTopicArn";
    public static final String DELETION_PROTECTION = "deletionProtection";
    public static final String DEMO_TARGET = "demoTarget";
    public static final String DEMO_CANARY = "demoCanary";
    public static final String CACHE_TABLE = "cacheTable";
    public static final String CACHE_PURGE_WEBHOOK = "cachePurgeWebhook";

    /** Name of the sample RAG target function deployed by {@link #demoTarget}. */
    public static final String DEMO_TARGET_FUNCTION = "rag-canary-sample-target";

    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern FUNCTION_ARN =
            Pattern.compile("arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]{1,64}");
    private static final Pattern QUALIFIED_FUNCTION_ARN =
            Pattern.compile("arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]{1,64}:.+");
    private static final Pattern ALIAS = Pattern.compile("(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.-]{1,200}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern STACK = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,127}");
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.-]{3,255}");
    private static final Pattern TOPIC_ARN = Pattern.compile("arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}");

    public ControllerConfig {
        targetFunctions = List.copyOf(targetFunctions);
        targetAliases = List.copyOf(targetAliases);
        regions = List.copyOf(regions);
    }

    /**
     * Reads and validates the context keys. Lists may be JSON arrays (cdk.json) or comma-separated strings
     * ({@code -c targetFunctions=a,b}); switches may be booleans or "true"/"false".
     *
     * @throws InvalidConfigurationException naming every bad key and what was expected
     */
    public static ControllerConfig fromContext(Function<String, Object> context) {
        List<String> problems = new ArrayList<>();
        boolean demoTarget = readSwitch(context, DEMO_TARGET, false, problems);
        List<String> targets = new ArrayList<>(readList(context, TARGET_FUNCTIONS, problems));
        if (demoTarget && !targets.contains(DEMO_TARGET_FUNCTION)) {
            targets.add(DEMO_TARGET_FUNCTION);
        }
        if (targets.isEmpty()) {
            problems.add("context '" + TARGET_FUNCTIONS + "': required: the names or ARNs of the functions the "
                    + "controller may change (e.g. -c " + TARGET_FUNCTIONS + "=my-rag-function), or -c "
                    + DEMO_TARGET + "=true");
        }
        for (String target : targets) {
            if (QUALIFIED_FUNCTION_ARN.matcher(target).matches()) {
                problems.add("context '" + TARGET_FUNCTIONS + "': '" + target
                        + "' is a qualified ARN; give the unqualified function ARN (versions and aliases are included)");
            } else if (!FUNCTION_NAME.matcher(target).matches() && !FUNCTION_ARN.matcher(target).matches()) {
                problems.add("context '" + TARGET_FUNCTIONS + "': '" + target
                        + "' is neither a function name ([A-Za-z0-9_-], 1-64 characters) nor a Lambda function ARN");
            }
        }
        List<String> targetNames = targets.stream().map(ControllerConfig::functionName).toList();
        String routedFunction = readString(context, ROUTED_FUNCTION)
                .orElse(targetNames.isEmpty() ? "" : targetNames.get(0));
        if (!targetNames.isEmpty() && !targetNames.contains(routedFunction)) {
            problems.add("context '" + ROUTED_FUNCTION + "': '" + routedFunction
                    + "' is not one of the target functions " + targetNames);
        }
        String routedAlias = readString(context, ROUTED_ALIAS).orElse("live");
        if (!ALIAS.matcher(routedAlias).matches()) {
            problems.add("context '" + ROUTED_ALIAS + "': '" + routedAlias
                    + "' is not an alias name (1-128 of A-Z a-z 0-9 _ -, not only digits)");
        }
        List<String> targetAliases = readList(context, TARGET_ALIASES, problems);
        for (String alias : targetAliases) {
            if (!ALIAS.matcher(alias).matches()) {
                problems.add("context '" + TARGET_ALIASES + "': '" + alias
                        + "' is not an alias name (1-128 of A-Z a-z 0-9 _ -, not only digits)");
            }
        }
        if (targetAliases.isEmpty()) {
            targetAliases = List.of(routedAlias);
        }
        List<String> regions = readList(context, REGIONS, problems);
        for (String region : regions) {
            if (!REGION.matcher(region).matches()) {
                problems.add("context '" + REGIONS + "': '" + region + "' is not a region name such as us-east-1");
            }
        }
        if (regions.stream().distinct().count() != regions.size()) {
            problems.add("context '" + REGIONS + "': lists a region twice: " + regions);
        }
        String stackName = readString(context, STACK_NAME).orElse("RagCanaryController");
        if (!STACK.matcher(stackName).matches()) {
            problems.add("context '" + STACK_NAME + "': '" + stackName
                    + "' must start with a letter and hold only letters, digits and '-' (at most 128)");
        }
        String prefix = readString(context, TABLE_PREFIX).orElse("rag-canary");
        if (!PREFIX.matcher(prefix).matches()) {
            problems.add("context '" + TABLE_PREFIX + "': '" + prefix
                    + "' must be 1-200 characters of letters, digits, '_', '-' or '.'");
        }
        Optional<String> email = readString(context, NOTIFICATION_EMAIL);
        email.filter(e -> !EMAIL.matcher(e).matches()).ifPresent(e -> problems.add(
                "context '" + NOTIFICATION_EMAIL + "': '" + e + "' is not an e-mail address"));
        Optional<String> topic = readString(context, NOTIFICATION_TOPIC_ARN);
        topic.filter(t -> !TOPIC_ARN.matcher(t).matches()).ifPresent(t -> problems.add(
                "context '" + NOTIFICATION_TOPIC_ARN + "': '" + t + "' is not an SNS topic ARN"));
        Optional<String> cacheTable = readString(context, CACHE_TABLE);
        cacheTable.filter(t -> !TABLE_NAME.matcher(t).matches()).ifPresent(t -> problems.add(
                "context '" + CACHE_TABLE + "': '" + t + "' is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .)"));
        Optional<String> webhook = readString(context, CACHE_PURGE_WEBHOOK);
        webhook.filter(w -> !w.startsWith("https://")).ifPresent(w -> problems.add(
                "context '" + CACHE_PURGE_WEBHOOK + "': '" + w + "' must be an https:// URL"));
        boolean demoCanary = readSwitch(context, DEMO_CANARY, false, problems);
        if (demoCanary && !demoTarget) {
            problems.add("context '" + DEMO_CANARY + "': needs -c " + DEMO_TARGET + "=true");
        }
        boolean dashboard = readSwitch(context, DASHBOARD, true, problems);
        boolean deletionProtection = readSwitch(context, DELETION_PROTECTION, true, problems);
        RouterIdentityConfig routerIdentity = RouterIdentityConfig.fromContext(context, demoTarget, problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return new ControllerConfig(stackName, targets, routedFunction, routedAlias, targetAliases, regions, prefix,
                dashboard, email, topic, deletionProtection, demoTarget, demoCanary, cacheTable, webhook, routerIdentity);
    }

    /** The function name of a target given as a name or an ARN (arn:partition:lambda:region:account:function:NAME). */
    public static String functionName(String target) {
        String[] parts = target.split(":");
        return target.startsWith("arn:") && parts.length > 6 ? parts[6] : target;
    }

    static Optional<String> readString(Function<String, Object> context, String key) {
        Object value = context.apply(key);
        return value == null || value.toString().isBlank() ? Optional.empty() : Optional.of(value.toString().trim());
    }

    static List<String> readList(Function<String, Object> context, String key, List<String> problems) {
        Object value = context.apply(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object item : list) {
                if (item instanceof String s && !s.isBlank()) {
                    items.add(s.trim());
                } else {
                    problems.add("context '" + key + "': every item must be a non-empty string, found " + item);
                }
            }
            return items;
        }
        if (value instanceof String s) {
            String text = s.trim();
            if (text.startsWith("[")) {
                problems.add("context '" + key + "': give a comma-separated list (a,b) on the command line, "
                        + "or a JSON array in cdk.json");
                return List.of();
            }
            return Arrays.stream(text.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        }
        problems.add("context '" + key + "': expected a list of strings, found " + value);
        return List.of();
    }

    static boolean readSwitch(Function<String, Object> context, String key, boolean defaultValue,
                                      List<String> problems) {
        Object value = context.apply(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        problems.add("context '" + key + "': expected true or false, found '" + value + "'");
        return defaultValue;
    }
}
