package dev.ragcanary.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.ApplicationLogLevel;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.FunctionUrl;
import software.amazon.awscdk.services.lambda.FunctionUrlAuthType;
import software.amazon.awscdk.services.lambda.FunctionUrlOptions;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.SystemLogLevel;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.constructs.Construct;

/**
 * The rag-canary controller: tables, evidence bucket, the four controller functions, the rollout and stage state
 * machines (from {@code statemachine/*.asl.json}), notifications, alarms and the dashboard.
 */
public class ControllerStack extends Stack {
    /** Alias every controller function is invoked through, so SnapStart applies (it works on published versions). */
    public static final String LIVE_ALIAS = "live";
    public static final String ROLLOUT_ASL = "rollout.asl.json";
    public static final String STAGE_ASL = "stage.asl.json";
    /** Rule that Step Functions manages for {@code startExecution.sync:2}; the caller needs rights on it. */
    /** Evidence bucket layout: probe sets uploaded by people, evidence written per stage, the rollout archive. */
    public static final String PROBE_SETS_PREFIX = "probe-sets/";
    public static final String EVIDENCE_PREFIX = "rollouts/";
    public static final String ARCHIVE_PREFIX = "archive/";
    static final String SYNC_EVENTS_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule";

    private final ControllerConfig config;
    private final RemovalPolicy dataRemoval;
    private final Table assignments;
    private final Table rollouts;
    private final EgressTables egress;
    private final Bucket evidence;
    private final List<String> targetArns;
    private final Map<ControllerFunction, Alias> functions = new EnumMap<>(ControllerFunction.class);
    private final StateMachine stageMachine;
    private final StateMachine rolloutMachine;
    private final ControllerNotifications notifications;

    /**
     * @param stateMachines folder holding {@value #ROLLOUT_ASL} and {@value #STAGE_ASL}
     */
    public ControllerStack(Construct scope, String id, StackProps props, ControllerConfig config, FunctionCode code,
                           Path stateMachines) {
        super(scope, id, props);
        this.config = config;
        this.dataRemoval = config.deletionProtection() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
        this.targetArns = targetFunctionArns();

        assignments = table("Assignments", "assignments", "pk", null, "expiresAt");
        rollouts = table("Rollouts", "rollouts", "pk", "sk", null);
        egress = new EgressTables(this, "Egress", config.tablePrefix(),
                (parent, tableId, name, partitionKey, ttl) -> table(parent, tableId, name, partitionKey, null, ttl));
        evidence = evidenceBucket();

        if (config.demoTarget()) {
            new DemoTarget(this, "DemoTarget", code, config.demoCanary(), dataRemoval);
        }
        for (ControllerFunction function : List.of(ControllerFunction.WEIGHT_SHIFTER, ControllerFunction.PROBE_REPLAY,
                ControllerFunction.GATE_EVALUATION, ControllerFunction.TRAFFIC_ROUTER)) {
            functions.put(function, function(function, code));
        }
        grantFunctionPermissions();

        notifications = new ControllerNotifications(this, "Notifications", config);
        DefinitionSubstitutions substitutions = substitutions();
        stageMachine = stateMachine("StageMachine", AslDefinition.load(stateMachines.resolve(STAGE_ASL)),
                substitutions);
        substitutions.add("StageStateMachineArn", stageMachine.getStateMachineArn(), this::grantRunStageMachine);
        rolloutMachine = stateMachine("RolloutMachine", AslDefinition.load(stateMachines.resolve(ROLLOUT_ASL)),
                substitutions);
        grantDescribeExecutions(rolloutMachine, rolloutMachine.getRole(), "DescribeOwnExecutions");
        grantDescribeExecutions(rolloutMachine, functions.get(ControllerFunction.WEIGHT_SHIFTER).getRole(),
                "CleanupReadsStartInputs");
        notifications.watch(rolloutMachine, stageMachine, functions.get(ControllerFunction.WEIGHT_SHIFTER));
        if (config.dashboard()) {
            new ControllerDashboard(this, "Dashboard", config.tablePrefix(), rolloutMachine,
                    notifications.stageTransitions());
        }

        CfnOutput.Builder.create(this, "RolloutStateMachineArn").value(rolloutMachine.getStateMachineArn()).build();
        CfnOutput.Builder.create(this, "EvidenceBucketName").value(evidence.getBucketName()).build();
        Alias router = functions.get(ControllerFunction.TRAFFIC_ROUTER);
        CfnOutput.Builder.create(this, "RouterFunctionArn").value(router.getFunctionArn()).build();
        // Service callers sign with SigV4 (lambda:InvokeFunctionUrl; the router takes their account as tenant);
        // public traffic comes through the JWT-authorized front door.
        FunctionUrl url = router.addFunctionUrl(FunctionUrlOptions.builder().authType(FunctionUrlAuthType.AWS_IAM).build());
        CfnOutput.Builder.create(this, "RouterUrl").value(url.getUrl()).build();
        RouterIdentityConfig identity = config.routerIdentity();
        identity.httpApi().ifPresent(api -> new RouterFrontDoor(this, "FrontDoor", router, identity, api, dataRemoval));
        if (identity.warmPingMinutes() > 0) {
            new RouterWarmUp(this, "RouterWarmUp", router, identity.warmPingMinutes());
        }
    }

    public StateMachine rolloutMachine() {
        return rolloutMachine;
    }

    private Table table(String id, String suffix, String partitionKey, String sortKey, String ttlAttribute) {
        return table(this, id, config.tablePrefix() + "-" + suffix, partitionKey, sortKey, ttlAttribute);
    }

    /** On demand, point-in-time recovery, the configured deletion protection: every table of the stack. */
    private Table table(Construct scope, String id, String name, String partitionKey, String sortKey,
                        String ttlAttribute) {
        Table.Builder builder = Table.Builder.create(scope, id)
                .tableName(name)
                .partitionKey(Attribute.builder().name(partitionKey).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(
                        PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
                .deletionProtection(config.deletionProtection())
                .removalPolicy(dataRemoval);
        if (sortKey != null) {
            builder.sortKey(Attribute.builder().name(sortKey).type(AttributeType.STRING).build());
        }
        if (ttlAttribute != null) {
            builder.timeToLiveAttribute(ttlAttribute);
        }
        return builder.build();
    }

    private Bucket evidenceBucket() {
        Bucket accessLogs = Bucket.Builder.create(this, "AccessLogs")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .versioned(true)
                .lifecycleRules(List.of(LifecycleRule.builder().expiration(Duration.days(365)).build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        return Bucket.Builder.create(this, "Evidence")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .versioned(true)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix("evidence/")
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    private Alias function(ControllerFunction function, FunctionCode code) {
        LogGroup.Builder logsBuilder = LogGroup.Builder.create(this, function.id() + "Logs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(dataRemoval);
        if (function == ControllerFunction.TRAFFIC_ROUTER) {
            logsBuilder.logGroupName(telemetryLogGroupName());
        }
        LogGroup logs = logsBuilder.build();
        // An explicit role: only this log group, instead of the managed basic-execution policy's logs:* on "*".
        Role role = Role.Builder.create(this, function.id() + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description(function.description())
                .build();
        logs.grantWrite(role);
        Function fn = Function.Builder.create(this, function.id())
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .handler(function.handler())
                .code(code.codeFor(function))
                .memorySize(function.memoryMb())
                .timeout(function.timeout())
                .description(function.description())
                .role(role)
                .logGroup(logs)
                .loggingFormat(LoggingFormat.JSON)
                .applicationLogLevelV2(ApplicationLogLevel.INFO)
                .systemLogLevelV2(SystemLogLevel.WARN)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .environment(environment(function))
                .build();
        Annotations.of(fn).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "Published: the live alias points at the function's current version.");
        return Alias.Builder.create(this, function.id() + "Live")
                .aliasName(LIVE_ALIAS)
                .version(fn.getCurrentVersion())
                .build();
    }

    /**
     * After a rollback the lock is released only once a shift that read the rollout ACTIVE can no longer be running:
     * the weight shifter's timeout plus a margin for Lambda's own stop.
     */
    static final java.time.Duration LATE_RAISE_WINDOW = java.time.Duration.ofSeconds(
            ControllerFunction.WEIGHT_SHIFTER.timeout().toSeconds().longValue() + 15);

    private Map<String, String> environment(ControllerFunction function) {
        Map<String, String> env = new LinkedHashMap<>();
        switch (function) {
            case WEIGHT_SHIFTER -> {
                env.put("ROLLOUTS_TABLE", rollouts.getTableName());
                env.put("LATE_RAISE_WINDOW_SECONDS", String.valueOf(LATE_RAISE_WINDOW.toSeconds()));
                // IAM authorizes UpdateAlias on the function, whatever the alias: the weight shifter refuses the rest.
                env.put("TARGET_ALIASES", String.join(",", config.targetAliases()));
                // Validation refuses a probe set the probe replay may not read (its s3:GetObject grant below).
                env.put("PROBE_SET_LOCATIONS", "s3://" + evidence.getBucketName() + "/" + PROBE_SETS_PREFIX);
                config.cacheTable().ifPresent(table -> env.put("CACHE_TABLE", table));
                config.cachePurgeWebhook().ifPresent(url -> env.put("CACHE_PURGE_WEBHOOK", url));
            }
            case PROBE_REPLAY -> env.put("EVIDENCE_BUCKET", evidence.getBucketName());
            case GATE_EVALUATION -> {
                env.put("EVIDENCE_BUCKET", evidence.getBucketName());
                env.put("METRICS_NAMESPACE", ControllerDashboard.NAMESPACE);
                env.put("ROUTER_METRICS_NAMESPACE", ControllerDashboard.ROUTER_NAMESPACE);
                env.put("TELEMETRY_LOG_GROUP", telemetryLogGroupName());
                env.put("ROLLOUTS_TABLE", rollouts.getTableName());
                env.put("EGRESS_SINK_TABLE", egress.sink().getTableName());
                env.put("EGRESS_SINK_INDEX", EgressTables.SINK_INDEX);
            }
            case TRAFFIC_ROUTER -> {
                env.put("TARGET_FUNCTION", config.routedFunction());
                env.put("TARGET_ALIAS", config.routedAlias());
                env.put("ROLLOUTS_TABLE", rollouts.getTableName());
                env.put("ASSIGNMENTS_TABLE", assignments.getTableName());
                env.put("STATE_CACHE_SECONDS", "5");
                env.putAll(config.routerIdentity().routerEnvironment());
            }
            default -> throw new IllegalArgumentException("not a controller function: " + function);
        }
        return env;
    }

    private void grantFunctionPermissions() {
        IGrantable shifter = functions.get(ControllerFunction.WEIGHT_SHIFTER);
        // GetFunctionConfiguration checks that the canary version exists; GetFunction is not granted: it would also
        // hand out a download URL of the function's code.
        addToRole(shifter, targets("lambda:GetFunctionConfiguration"));
        addToRole(shifter, PolicyStatement.Builder.create()
                .actions(List.of("lambda:GetAlias", "lambda:UpdateAlias"))
                .resources(targetAliasArns())
                .build());
        rollouts.grantReadWriteData(shifter);
        // The purge reads the cache's key schema, scans for the canary prefix and deletes those items in batches.
        config.cacheTable().ifPresent(table -> addToRole(shifter, PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:DescribeTable", "dynamodb:Scan", "dynamodb:BatchWriteItem"))
                .resources(List.of(formatArn(ArnComponents.builder().service("dynamodb").resource("table")
                        .resourceName(table).build())))
                .build()));

        IGrantable replay = functions.get(ControllerFunction.PROBE_REPLAY);
        addToRole(replay, targets("lambda:InvokeFunction"));
        addToRole(replay, objects(PROBE_SETS_PREFIX, "s3:GetObject"));
        // A later page of a replay reads back what the earlier pages stored.
        addToRole(replay, objects(EVIDENCE_PREFIX, "s3:GetObject", "s3:PutObject"));

        IGrantable gate = functions.get(ControllerFunction.GATE_EVALUATION);
        // GetMetricData has no resource-level permissions: AWS requires "*".
        addToRole(gate, PolicyStatement.Builder.create()
                .actions(List.of("cloudwatch:GetMetricData")).resources(List.of("*")).build());
        // The live samples come from the router's telemetry lines (Logs Insights) in every region the rollout
        // covers: StartQuery only on that log group; GetQueryResults/StopQuery take a query id and have no
        // resource-level permissions.
        addToRole(gate, PolicyStatement.Builder.create()
                .actions(List.of("logs:StartQuery"))
                .resources(rolloutRegions().stream().map(region -> formatArn(ArnComponents.builder().service("logs")
                        .region(region).resource("log-group").resourceName(telemetryLogGroupName() + ":*")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build())).toList())
                .build());
        addToRole(gate, PolicyStatement.Builder.create()
                .actions(List.of("logs:GetQueryResults", "logs:StopQuery")).resources(List.of("*")).build());
        addToRole(gate, objects(EVIDENCE_PREFIX, "s3:GetObject", "s3:PutObject"));
        // Shadow emissions are matched by a Query on the canary sink's index, in each region the rollout covers
        // (each region's sink holds that region's emissions); nothing else of the sink is read.
        addToRole(gate, PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:Query"))
                .resources(rolloutRegions().stream().map(region -> formatArn(ArnComponents.builder()
                        .service("dynamodb").region(region).resource("table")
                        .resourceName(EgressTables.sinkTableName(config.tablePrefix()) + "/index/"
                                + EgressTables.SINK_INDEX).build())).toList())
                .build());
        grantVerdictLedger(gate);

        IGrantable router = functions.get(ControllerFunction.TRAFFIC_ROUTER);
        addToRole(router, PolicyStatement.Builder.create().actions(List.of("lambda:InvokeFunction"))
                .resources(routedFunctionArns()).build());
        assignments.grantReadWriteData(router);
        rollouts.grantReadData(router);
    }

    /**
     * Every verdict goes into the rollout's ledger, and the gate may write nothing else there. It reads the state item
     * and queries the ledger; it puts only ledger entries (partition {@code ROLLOUT#<rolloutId>}); on the state item
     * (partition {@code ALIAS#<function>#<alias>}) it may only advance the ledger head with an UpdateItem that names
     * {@link #GATE_STATE_ATTRIBUTES} and returns nothing, so it can neither take, release nor rewrite the lock or
     * the weights. No DeleteItem, no batch writes.
     */
    private void grantVerdictLedger(IGrantable gate) {
        String table = rollouts.getTableArn();
        addToRole(gate, PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:GetItem", "dynamodb:Query")).resources(List.of(table)).build());
        addToRole(gate, PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:PutItem")).resources(List.of(table))
                .conditions(Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("ROLLOUT#*"))))
                .build());
        addToRole(gate, PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:UpdateItem")).resources(List.of(table))
                .conditions(Map.of(
                        "ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("ALIAS#*")),
                        "ForAllValues:StringEquals", Map.of("dynamodb:Attributes", GATE_STATE_ATTRIBUTES),
                        "StringEquals", Map.of("dynamodb:ReturnValues", "NONE")))
                .build());
    }

    /**
     * Every attribute the gate's state-item UpdateItem names, as {@code dynamodb:Attributes} counts them: the key
     * ({@code pk}, {@code sk}; DynamoDB requires the key attributes in the list), the attributes it sets
     * ({@code ledgerSequence}, {@code lastEntry}, {@code revision}) and those its condition reads
     * ({@code revision}, {@code rolloutId}): {@code DynamoDbRolloutStore.NOTE_ATTRIBUTES}.
     */
    static final List<String> GATE_STATE_ATTRIBUTES = List.of("pk", "sk", "ledgerSequence", "lastEntry", "revision",
            "rolloutId");

    private static void addToRole(IGrantable grantee, PolicyStatement statement) {
        grantee.getGrantPrincipal().addToPrincipalPolicy(statement);
    }

    /** {@code actions} on the evidence bucket's objects under {@code prefix}. */
    private PolicyStatement objects(String prefix, String... actions) {
        return PolicyStatement.Builder.create().actions(List.of(actions))
                .resources(List.of(evidence.arnForObjects(prefix + "*"))).build();
    }

    /** {@code actions} on the configured target functions and their versions and aliases, nothing else. */
    private PolicyStatement targets(String... actions) {
        return PolicyStatement.Builder.create().actions(List.of(actions)).resources(targetArns).build();
    }

    /** The routed function and its versions: the router invokes it by qualifier in the stack's region only. */
    private List<String> routedFunctionArns() {
        String arn = formatArn(ArnComponents.builder().service("lambda").resource("function")
                .resourceName(config.routedFunction()).arnFormat(ArnFormat.COLON_RESOURCE_NAME).build());
        return List.of(arn, arn + ":*");
    }

    /**
     * The router's log group: one JSON line per routed request. A fixed name, the same in every region where the
     * stack is deployed with this prefix, because the gate queries it by name in each region of a rollout.
     */
    private String telemetryLogGroupName() {
        return "/rag-canary/" + config.tablePrefix() + "/router-telemetry";
    }

    private List<String> rolloutRegions() {
        return config.regions().isEmpty() ? List.of(getRegion()) : config.regions();
    }

    /**
     * GetAlias/UpdateAlias: each target function (in every region for a bare name) and its configured aliases.
     * AWS documents these two actions on the function resource, so the unqualified ARN must be listed and IAM cannot
     * narrow them to one alias of it (docs/deploy.md); the alias ARNs say which aliases are meant and hold if Lambda
     * authorizes against the qualified ARN. No version or other qualifier ({@code :*}).
     */
    private List<String> targetAliasArns() {
        List<String> arns = new ArrayList<>();
        for (String function : unqualifiedTargetArns()) {
            arns.add(function);
            config.targetAliases().forEach(alias -> arns.add(function + ":" + alias));
        }
        return arns;
    }

    /** Each target function's unqualified ARN: every configured region for a bare name, the ARN as given otherwise. */
    private List<String> unqualifiedTargetArns() {
        List<String> regions = rolloutRegions();
        List<String> arns = new ArrayList<>();
        for (String target : config.targetFunctions()) {
            arns.addAll(target.startsWith("arn:") ? List.of(target) : regions.stream()
                    .map(region -> formatArn(ArnComponents.builder().service("lambda").region(region)
                            .resource("function").resourceName(target)
                            .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build()))
                    .toList());
        }
        return arns;
    }

    /** Each target function (every configured region for a bare name) and {@code :*} for its versions and aliases. */
    private List<String> targetFunctionArns() {
        List<String> arns = new ArrayList<>();
        for (String arn : unqualifiedTargetArns()) {
            arns.add(arn);
            arns.add(arn + ":*");
        }
        return arns;
    }

    private DefinitionSubstitutions substitutions() {
        DefinitionSubstitutions substitutions = new DefinitionSubstitutions();
        for (Map.Entry<ControllerFunction, Alias> entry : functions.entrySet()) {
            Alias alias = entry.getValue();
            substitutions.add(entry.getKey().id() + "FunctionArn", alias.getFunctionArn(), alias::grantInvoke);
        }
        // The rollout machine archives its final manifest under archive/ (aws-sdk:s3:putObject): write only there.
        substitutions.add("EvidenceBucketName", evidence.getBucketName(),
                machine -> addToRole(machine, objects(ARCHIVE_PREFIX, "s3:PutObject")));
        substitutions.add("ApprovalTopicArn", notifications.topic().getTopicArn(),
                notifications.topic()::grantPublish);
        return substitutions;
    }

    private StateMachine stateMachine(String id, AslDefinition definition, DefinitionSubstitutions substitutions) {
        LogGroup logs = LogGroup.Builder.create(this, id + "Logs")
                // The vendedlogs prefix keeps Step Functions' log delivery off the account's resource policy limit.
                .logGroupName("/aws/vendedlogs/states/" + config.tablePrefix() + "-" + id)
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(dataRemoval)
                .build();
        StateMachine machine = StateMachine.Builder.create(this, id)
                .stateMachineType(StateMachineType.STANDARD)
                .definitionBody(DefinitionBody.fromString(definition.text()))
                .definitionSubstitutions(substitutions.forDefinition(definition))
                .logs(LogOptions.builder().destination(logs).level(LogLevel.ALL).includeExecutionData(true).build())
                .tracingEnabled(true)
                .build();
        substitutions.grantUsed(definition, machine);
        return machine;
    }

    /**
     * DescribeExecution on {@code machine}'s executions only: the rollout machine's join loop (an execution that finds
     * its rollout owned by another describes that one until it ends), and the cleanup, which reads a start input its
     * status event left out. A policy of its own rather than the role's default policy: the machine, and the weight
     * shifter its definition names, depend on that one, and this one names the machine, which would be a cycle.
     */
    private void grantDescribeExecutions(StateMachine machine, IRole role, String id) {
        Policy.Builder.create(machine, id)
                .roles(List.of(role))
                .statements(List.of(PolicyStatement.Builder.create()
                        .actions(List.of("states:DescribeExecution"))
                        .resources(List.of(formatArn(ArnComponents.builder().service("states").resource("execution")
                                .resourceName(machine.getStateMachineName() + ":*")
                                .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build())))
                        .build()))
                .build();
    }

    /** What {@code states:startExecution.sync:2} on the stage machine needs, and nothing wider. */
    private void grantRunStageMachine(IGrantable caller) {
        stageMachine.grantStartExecution(caller);
        addToRole(caller, PolicyStatement.Builder.create()
                .actions(List.of("states:DescribeExecution", "states:StopExecution"))
                .resources(List.of(formatArn(ArnComponents.builder().service("states").resource("execution")
                        .resourceName(stageMachine.getStateMachineName() + ":*")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build())))
                .build());
        addToRole(caller, PolicyStatement.Builder.create()
                .actions(List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"))
                .resources(List.of(formatArn(ArnComponents.builder().service("events").resource("rule")
                        .resourceName(SYNC_EVENTS_RULE).build())))
                .build());
    }
}
