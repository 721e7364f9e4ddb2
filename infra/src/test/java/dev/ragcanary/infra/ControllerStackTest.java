package dev.ragcanary.infra;

import static dev.ragcanary.infra.TemplateJson.actions;
import static dev.ragcanary.infra.TemplateJson.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The production configuration of the controller stack, resource by resource and statement by statement. */
class ControllerStackTest {
    private static final List<String> TARGET_ARNS = List.of(
            "arn:aws:lambda:us-east-1:123456789012:function:rag-answer",
            "arn:aws:lambda:us-east-1:123456789012:function:rag-answer:*",
            "arn:aws:lambda:eu-west-2:123456789012:function:rag-answer",
            "arn:aws:lambda:eu-west-2:123456789012:function:rag-answer:*",
            "arn:aws:lambda:eu-west-1:123456789012:function:rag-answer-eu",
            "arn:aws:lambda:eu-west-1:123456789012:function:rag-answer-eu:*");
    /** Actions AWS offers no resource-level permissions for: the only ones allowed on "*". */
    private static final Set<String> RESOURCE_STAR_ONLY = Set.of(
            "cloudwatch:GetMetricData", "logs:GetQueryResults", "logs:StopQuery",
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
            "xray:GetSamplingTargets");

    private static Template template;
    private static TemplateJson json;

    @BeforeAll
    static void synthesize() {
        template = SynthesizedController.production().template;
        json = new TemplateJson(template);
    }

    @Test
    void tablesAreOnDemandWithPointInTimeRecoveryAndDeletionProtection() {
        assertThat(json.ofType("AWS::DynamoDB::Table")).hasSize(4);
        for (JsonNode table : json.ofType("AWS::DynamoDB::Table").values()) {
            JsonNode properties = table.path("Properties");
            assertThat(properties.path("BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
            assertThat(properties.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean())
                    .isTrue();
            assertThat(properties.path("DeletionProtectionEnabled").asBoolean()).isTrue();
            assertThat(table.path("DeletionPolicy").asText()).isEqualTo("Retain");
        }
    }

    @Test
    void tablesHaveTheSharedKeySchemasAndTheAssignmentsExpire() {
        template.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "TableName", "prod-canary-assignments",
                "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH")),
                "TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true)));
        template.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "TableName", "prod-canary-rollouts",
                "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH"),
                        Map.of("AttributeName", "sk", "KeyType", "RANGE"))));
    }

    @Test
    void thereIsNoEvidenceIndexTableNorAnyNameOrGrantOfIt() {
        assertThat(json.ofType("AWS::DynamoDB::Table").values())
                .extracting(table -> table.at("/Properties/TableName").asText())
                .containsExactlyInAnyOrder("prod-canary-assignments", "prod-canary-rollouts",
                        "prod-canary-egress-sink", "prod-canary-egress-claims");
        for (ControllerFunction function : List.of(ControllerFunction.WEIGHT_SHIFTER, ControllerFunction.PROBE_REPLAY,
                ControllerFunction.GATE_EVALUATION, ControllerFunction.TRAFFIC_ROUTER)) {
            assertThat(environment(function)).doesNotContainKey("EVIDENCE_TABLE");
        }
        assertThat(json.allStatements()).allSatisfy(statement ->
                assertThat(resources(statement)).noneMatch(resource -> resource.startsWith("<EvidenceIndex")));
    }

    @Test
    void evidenceBucketIsEncryptedVersionedPrivateLoggedAndTlsOnly() {
        JsonNode bucket = json.one("AWS::S3::Bucket", "Evidence").path("Properties");
        assertThat(bucket.at("/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault"
                + "/SSEAlgorithm").asText()).isEqualTo("AES256");
        assertThat(bucket.at("/VersioningConfiguration/Status").asText()).isEqualTo("Enabled");
        assertThat(bucket.path("PublicAccessBlockConfiguration")).isEqualTo(TemplateJson.json(Map.of(
                "BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true,
                "RestrictPublicBuckets", true)));
        assertThat(bucket.at("/LoggingConfiguration/DestinationBucketName/Ref").asText()).startsWith("AccessLogs");
        String evidence = json.logicalId("AWS::S3::Bucket", "Evidence");
        template.hasResourceProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of(
                "Bucket", Map.of("Ref", evidence),
                "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny", "Action", "s3:*",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }

    @Test
    void functionsAreJava21OnArmWithSnapStartJsonLogsAndTheirOwnLogGroups() {
        Map<String, JsonNode> functions = json.ofType("AWS::Lambda::Function");
        assertThat(functions.keySet()).hasSize(4);
        for (ControllerFunction function : List.of(ControllerFunction.WEIGHT_SHIFTER, ControllerFunction.PROBE_REPLAY,
                ControllerFunction.GATE_EVALUATION, ControllerFunction.TRAFFIC_ROUTER)) {
            JsonNode properties = json.one("AWS::Lambda::Function", function.id()).path("Properties");
            assertThat(properties.path("Runtime").asText()).isEqualTo("java21");
            assertThat(TemplateJson.strings(properties.path("Architectures"))).containsExactly("arm64");
            assertThat(properties.at("/SnapStart/ApplyOn").asText()).isEqualTo("PublishedVersions");
            assertThat(properties.path("Handler").asText()).isEqualTo(function.handler());
            assertThat(properties.path("MemorySize").asInt()).isEqualTo(function.memoryMb());
            assertThat(properties.path("Timeout").asInt()).isEqualTo(function.timeout().toSeconds().intValue());
            assertThat(properties.at("/LoggingConfig/LogFormat").asText()).isEqualTo("JSON");
            String logGroup = properties.at("/LoggingConfig/LogGroup/Ref").asText();
            assertThat(logGroup).startsWith(function.id() + "Logs");
            assertThat(json.one("AWS::Logs::LogGroup", logGroup).at("/Properties/RetentionInDays").asInt())
                    .isEqualTo(30);
        }
    }

    /** A page of the probe replay has all of Lambda's 900 s; the state machine's Task waits longer than that. */
    @Test
    void probeReplayRunsLambdasLongestTimeoutUnderALongerTask() throws IOException {
        assertThat(json.one("AWS::Lambda::Function", ControllerFunction.PROBE_REPLAY.id()).at("/Properties/Timeout").asInt())
                .isEqualTo(900);
        JsonNode replay = TemplateJson.MAPPER.readTree(Files.readString(SynthesizedController.STATE_MACHINES
                .resolve(ControllerStack.STAGE_ASL))).at("/States/Replay the gold probes against both versions");
        assertThat(replay.path("TimeoutSeconds").asInt()).isEqualTo(960);
    }

    @Test
    void everyFunctionIsInvokedThroughALiveAliasOnAPublishedVersion() {
        Map<String, JsonNode> aliases = json.ofType("AWS::Lambda::Alias");
        assertThat(aliases).hasSize(4);
        for (JsonNode alias : aliases.values()) {
            assertThat(alias.at("/Properties/Name").asText()).isEqualTo(ControllerStack.LIVE_ALIAS);
            String version = alias.at("/Properties/FunctionVersion/Fn::GetAtt/0").asText();
            assertThat(json.ofType("AWS::Lambda::Version")).containsKey(version);
        }
    }

    @Test
    void theRouterIsReachedThroughAnIamAuthenticatedFunctionUrlOnItsLiveAlias() {
        JsonNode url = json.one("AWS::Lambda::Url", "TrafficRouterLiveFunctionUrl").path("Properties");
        assertThat(url.path("AuthType").asText()).isEqualTo("AWS_IAM");
        assertThat(url.path("Qualifier").asText()).isEqualTo(ControllerStack.LIVE_ALIAS);
        assertThat(url.at("/TargetFunctionArn/Fn::GetAtt/0").asText()).startsWith("TrafficRouter");
    }

    @Test
    void functionsGetTheTableBucketAndLogGroupNamesTheyUse() {
        assertThat(environment(ControllerFunction.WEIGHT_SHIFTER)).containsOnlyKeys("ROLLOUTS_TABLE",
                "CACHE_TABLE", "CACHE_PURGE_WEBHOOK", "LATE_RAISE_WINDOW_SECONDS", "TARGET_ALIASES",
                "PROBE_SET_LOCATIONS");
        assertThat(environment(ControllerFunction.WEIGHT_SHIFTER)).as("IAM cannot limit UpdateAlias to an alias")
                .containsEntry("TARGET_ALIASES", "live");
        assertThat(Integer.parseInt(environment(ControllerFunction.WEIGHT_SHIFTER).get("LATE_RAISE_WINDOW_SECONDS")))
                .as("no shift that read a rollout ACTIVE outlives the window before its lock is released")
                .isGreaterThan(ControllerFunction.WEIGHT_SHIFTER.timeout().toSeconds().intValue());
        assertThat(environment(ControllerFunction.WEIGHT_SHIFTER)).containsEntry("CACHE_TABLE", "rag-answer-cache")
                .containsEntry("CACHE_PURGE_WEBHOOK", "https://cache.example.com/purge");
        assertThat(environment(ControllerFunction.PROBE_REPLAY)).containsOnlyKeys("EVIDENCE_BUCKET");
        assertThat(environment(ControllerFunction.GATE_EVALUATION)).containsOnlyKeys(
                "EVIDENCE_BUCKET", "METRICS_NAMESPACE", "ROUTER_METRICS_NAMESPACE",
                "TELEMETRY_LOG_GROUP", "ROLLOUTS_TABLE", "EGRESS_SINK_TABLE", "EGRESS_SINK_INDEX");
        assertThat(environment(ControllerFunction.TRAFFIC_ROUTER)).containsOnlyKeys("TARGET_FUNCTION",
                "TARGET_ALIAS", "ROLLOUTS_TABLE", "ASSIGNMENTS_TABLE", "STATE_CACHE_SECONDS", "IDENTITY_SOURCE",
                "IDENTITY_REQUIRED", "TENANT_CLAIM", "USER_CLAIM", "TENANT_HEADER", "USER_HEADER");
        assertThat(environment(ControllerFunction.TRAFFIC_ROUTER)).containsEntry("TARGET_FUNCTION", "rag-answer")
                .containsEntry("TARGET_ALIAS", "live");
        assertThat(environment(ControllerFunction.WEIGHT_SHIFTER).get("ROLLOUTS_TABLE")).startsWith("<Rollouts");
        assertThat(environment(ControllerFunction.GATE_EVALUATION).get("ROUTER_METRICS_NAMESPACE"))
                .isEqualTo("RagCanary/Router");
    }

    @Test
    void weightShifterMayReadAndUpdateOnlyTheConfiguredAliasesOfTheTargetsInEveryRegion() {
        List<JsonNode> statements = lambdaStatements("WeightShifterRole");
        assertThat(statements).hasSize(2);
        JsonNode aliases = statement(statements, "lambda:UpdateAlias");
        assertThat(actions(aliases)).containsExactlyInAnyOrder("lambda:GetAlias", "lambda:UpdateAlias");
        // The function ARN is the resource AWS authorizes these actions on; the alias ARN names the alias.
        assertThat(resources(aliases)).containsExactlyInAnyOrder(
                "arn:aws:lambda:us-east-1:123456789012:function:rag-answer",
                "arn:aws:lambda:us-east-1:123456789012:function:rag-answer:live",
                "arn:aws:lambda:eu-west-2:123456789012:function:rag-answer",
                "arn:aws:lambda:eu-west-2:123456789012:function:rag-answer:live",
                "arn:aws:lambda:eu-west-1:123456789012:function:rag-answer-eu",
                "arn:aws:lambda:eu-west-1:123456789012:function:rag-answer-eu:live");
        JsonNode versions = statement(statements, "lambda:GetFunctionConfiguration");
        assertThat(actions(versions)).containsExactly("lambda:GetFunctionConfiguration");
        assertThat(resources(versions)).containsExactlyInAnyOrderElementsOf(TARGET_ARNS);
    }

    @Test
    void weightShifterHasNoAccessToTheAssignmentsTable() {
        String assignments = json.logicalId("AWS::DynamoDB::Table", "Assignments");
        assertThat(json.statementsOf("WeightShifterRole")).allSatisfy(statement ->
                assertThat(resources(statement)).noneMatch(resource -> resource.contains(assignments)));
        assertThat(environment(ControllerFunction.WEIGHT_SHIFTER)).doesNotContainKey("ASSIGNMENTS_TABLE");
    }

    @Test
    void probeReplayMayInvokeTheTargetsAndTheRouterOnlyTheRoutedFunctionAndTheirVersions() {
        List<JsonNode> replay = lambdaStatements("ProbeReplayRole");
        assertThat(replay).hasSize(1);
        assertThat(actions(replay.get(0))).containsExactly("lambda:InvokeFunction");
        assertThat(resources(replay.get(0))).containsExactlyInAnyOrderElementsOf(TARGET_ARNS);
        List<JsonNode> router = lambdaStatements("TrafficRouterRole");
        assertThat(router).hasSize(1);
        assertThat(actions(router.get(0))).containsExactly("lambda:InvokeFunction");
        assertThat(resources(router.get(0))).containsExactly(
                "arn:aws:lambda:us-east-1:123456789012:function:rag-answer",
                "arn:aws:lambda:us-east-1:123456789012:function:rag-answer:*");
        assertThat(lambdaStatements("GateEvaluationRole")).isEmpty();
    }

    @Test
    void weightShifterMayPurgeOnlyTheConfiguredAnswerCache() {
        String cache = "arn:aws:dynamodb:us-east-1:123456789012:table/rag-answer-cache";
        List<JsonNode> purge = json.allStatements().stream().filter(s -> resources(s).contains(cache)).toList();
        assertThat(purge).hasSize(1).containsExactlyElementsOf(json.statementsOf("WeightShifterRole").stream()
                .filter(s -> resources(s).contains(cache)).toList());
        assertThat(actions(purge.get(0)))
                .containsExactlyInAnyOrder("dynamodb:DescribeTable", "dynamodb:Scan", "dynamodb:BatchWriteItem");
        assertThat(resources(purge.get(0))).containsExactly(cache);
    }

    @Test
    void gateReadsMetricsAndQueriesOnlyTheRouterTelemetryLogGroupInEachRolloutRegion() {
        List<JsonNode> gate = json.statementsOf("GateEvaluationRole");
        assertThat(resources(statement(gate, "cloudwatch:GetMetricData"))).containsExactly("*");
        assertThat(resources(statement(gate, "logs:StartQuery"))).containsExactly(
                "arn:aws:logs:us-east-1:123456789012:log-group:/rag-canary/prod-canary/router-telemetry:*",
                "arn:aws:logs:eu-west-2:123456789012:log-group:/rag-canary/prod-canary/router-telemetry:*");
        assertThat(environment(ControllerFunction.GATE_EVALUATION))
                .containsEntry("TELEMETRY_LOG_GROUP", "/rag-canary/prod-canary/router-telemetry");
        assertThat(json.one("AWS::Logs::LogGroup", "TrafficRouterLogs").at("/Properties/LogGroupName").asText())
                .isEqualTo("/rag-canary/prod-canary/router-telemetry");
        assertThat(actions(statement(gate, "logs:GetQueryResults")))
                .containsExactlyInAnyOrder("logs:GetQueryResults", "logs:StopQuery");
    }

    @Test
    void gateReadsTheRolloutAndPutsOnlyLedgerEntries() {
        List<JsonNode> onRollouts = gateRolloutStatements();
        assertThat(onRollouts).flatExtracting(TemplateJson::actions).containsExactlyInAnyOrder(
                "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem");
        JsonNode read = statement(onRollouts, "dynamodb:GetItem");
        assertThat(actions(read)).containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:Query");
        assertThat(read.has("Condition")).isFalse();
        JsonNode put = statement(onRollouts, "dynamodb:PutItem");
        assertThat(actions(put)).containsExactly("dynamodb:PutItem");
        assertThat(put.path("Condition")).isEqualTo(TemplateJson.json(Map.of(
                "ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("ROLLOUT#*")))));
        assertThat(environment(ControllerFunction.GATE_EVALUATION).get("ROLLOUTS_TABLE")).startsWith("<Rollouts");
    }

    @Test
    void gateMayOnlyAdvanceTheLedgerHeadOfTheStateItemNeverTakeReleaseOrRewriteTheLock() {
        JsonNode update = statement(gateRolloutStatements(), "dynamodb:UpdateItem");
        assertThat(actions(update)).containsExactly("dynamodb:UpdateItem");
        assertThat(update.path("Condition")).isEqualTo(TemplateJson.json(Map.of(
                "ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of("ALIAS#*")),
                "ForAllValues:StringEquals", Map.of("dynamodb:Attributes",
                        List.of("pk", "sk", "ledgerSequence", "lastEntry", "revision", "rolloutId")),
                "StringEquals", Map.of("dynamodb:ReturnValues", "NONE"))));
        assertThat(json.statementsOf("GateEvaluationRole")).flatExtracting(TemplateJson::actions)
                .noneMatch(action -> action.matches("dynamodb:(DeleteItem|BatchWriteItem|BatchGetItem|Scan|"
                        + "TransactWriteItems|PartiQL.*|\\*)"));
    }

    @Test
    void dynamoDbAndS3PermissionsNameOnlyThisStacksTablesAndBucketBesidesTheConfiguredCache() {
        Set<String> tables = json.ofType("AWS::DynamoDB::Table").keySet();
        String evidence = json.logicalId("AWS::S3::Bucket", "Evidence");
        for (JsonNode statement : json.allStatements()) {
            List<String> actions = actions(statement);
            if (actions.stream().anyMatch(a -> a.startsWith("dynamodb:"))) {
                assertThat(resources(statement)).allSatisfy(resource -> assertThat(resource).satisfiesAnyOf(
                        r -> assertThat(tables).anySatisfy(table -> assertThat(r).startsWith("<" + table + ".Arn>")),
                        r -> assertThat(r).isEqualTo("arn:aws:dynamodb:us-east-1:123456789012:table/rag-answer-cache"),
                        // the canary sink's index, by name in each rollout region (the stack's sink there)
                        r -> assertThat(r).matches("arn:aws:dynamodb:[a-z0-9-]+:123456789012:table/"
                                + "prod-canary-egress-sink/index/byFunctionVersion")));
            }
            if (actions.stream().anyMatch(a -> a.startsWith("s3:"))) {
                assertThat(resources(statement)).allSatisfy(resource ->
                        assertThat(resource).startsWith("<" + evidence + ".Arn>/"));
            }
        }
    }

    @Test
    void theWeightShifterAcceptsProbeSetsOnlyWhereTheProbeReplayMayReadThem() {
        String evidence = json.logicalId("AWS::S3::Bucket", "Evidence");

        assertThat(environment(ControllerFunction.WEIGHT_SHIFTER))
                .containsEntry("PROBE_SET_LOCATIONS", "s3://<" + evidence + ">/" + ControllerStack.PROBE_SETS_PREFIX);
        // Besides the probe sets it reads back only its own earlier pages, under the evidence prefix.
        assertThat(objectGrants("ProbeReplayRole")).filteredOn(grant -> grant.startsWith("s3:GetObject"))
                .containsExactlyInAnyOrder("s3:GetObject " + ControllerStack.PROBE_SETS_PREFIX + "*",
                        "s3:GetObject " + ControllerStack.EVIDENCE_PREFIX + "*");
    }

    @Test
    void evidenceObjectsAreReachableOnlyUnderTheirPrefixes() {
        assertThat(objectGrants("ProbeReplayRole")).containsExactlyInAnyOrder(
                "s3:GetObject probe-sets/*", "s3:GetObject rollouts/*", "s3:PutObject rollouts/*");
        assertThat(objectGrants("GateEvaluationRole")).containsExactlyInAnyOrder(
                "s3:GetObject rollouts/*", "s3:PutObject rollouts/*");
        assertThat(objectGrants("RolloutMachineRole")).containsExactly("s3:PutObject archive/*");
        assertThat(objectGrants("WeightShifterRole")).isEmpty();
        assertThat(objectGrants("TrafficRouterRole")).isEmpty();
    }

    @Test
    void noWildcardResourceForActionsThatSupportResourceLevelPermissions() {
        for (JsonNode statement : json.allStatements()) {
            if (resources(statement).contains("*")) {
                assertThat(actions(statement)).isSubsetOf(RESOURCE_STAR_ONLY);
            }
            assertThat(actions(statement)).noneMatch(action -> action.endsWith(":*"));
        }
    }

    @Test
    void rolloutMachineMayRunOnlyTheStageMachineSynchronously() {
        String stageMachine = json.logicalId("AWS::StepFunctions::StateMachine", "StageMachine");
        List<JsonNode> rollout = json.statementsOf("RolloutMachineRole");
        assertThat(resources(statement(rollout, "states:StartExecution"))).containsExactly("<" + stageMachine + ">");
        JsonNode describe = statement(rollout, "states:StopExecution");
        assertThat(actions(describe)).containsExactlyInAnyOrder("states:DescribeExecution", "states:StopExecution");
        assertThat(resources(describe)).containsExactly("arn:aws:states:us-east-1:123456789012:execution:<"
                + stageMachine + ".Name>:*");
        JsonNode events = statement(rollout, "events:PutRule");
        assertThat(actions(events)).containsExactlyInAnyOrder("events:PutTargets", "events:PutRule",
                "events:DescribeRule");
        assertThat(resources(events)).containsExactly(
                "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule");
        String rolloutMachine = json.logicalId("AWS::StepFunctions::StateMachine", "RolloutMachine");
        assertThat(json.allStatements().stream().filter(s -> actions(s).stream().anyMatch(a -> a.startsWith("states:"))))
                .allSatisfy(s -> assertThat(resources(s).toString()).containsAnyOf("<" + stageMachine,
                        "<" + rolloutMachine + ".Name>"));
    }

    @Test
    void onlyTheRolloutMachineAndTheCleanupMayDescribeTheRolloutMachinesExecutions() {
        String rolloutMachine = json.logicalId("AWS::StepFunctions::StateMachine", "RolloutMachine");
        for (String role : List.of("RolloutMachineRole", "WeightShifterRole")) {
            List<JsonNode> executions = json.statementsOf(role).stream()
                    .filter(s -> resources(s).toString().contains("<" + rolloutMachine + ".Name>")).toList();
            assertThat(executions).as(role).hasSize(1);
            assertThat(actions(executions.get(0))).containsExactly("states:DescribeExecution");
            assertThat(resources(executions.get(0))).containsExactly("arn:aws:states:us-east-1:123456789012:execution:<"
                    + rolloutMachine + ".Name>:*");
        }
        assertThat(json.allStatements()).filteredOn(s -> resources(s).toString().contains(rolloutMachine + ".Name"))
                .hasSize(2);
        // The policies name the machine, so neither the machine nor the function its definition names may wait for
        // them (CloudFormation would refuse the cycle).
        String own = json.logicalId("AWS::IAM::Policy", "RolloutMachineDescribeOwnExecutions");
        String cleanup = json.logicalId("AWS::IAM::Policy", "RolloutMachineCleanupReadsStartInputs");
        assertThat(TemplateJson.strings(json.one("AWS::StepFunctions::StateMachine", "RolloutMachine").path("DependsOn")))
                .isNotEmpty().doesNotContain(own, cleanup);
        assertThat(TemplateJson.strings(json.one("AWS::Lambda::Function", "WeightShifter").path("DependsOn")))
                .doesNotContain(own, cleanup);
    }

    @Test
    void machinesInvokeOnlyTheLiveAliasesTheirDefinitionsName() {
        assertThat(invokedAliases("StageMachineRole")).containsExactlyInAnyOrder(
                "WeightShifterLive", "ProbeReplayLive", "GateEvaluationLive");
        assertThat(invokedAliases("RolloutMachineRole")).containsExactly("WeightShifterLive");
        assertThat(resources(statement(json.statementsOf("RolloutMachineRole"), "sns:Publish"))).singleElement(STRING)
                .startsWith("<NotificationsTopic");
        JsonNode key = statement(json.statementsOf("RolloutMachineRole"), "kms:Decrypt");
        assertThat(actions(key)).containsExactlyInAnyOrder("kms:Decrypt", "kms:GenerateDataKey*");
        assertThat(resources(key)).singleElement(STRING).startsWith("<NotificationsTopicKey").endsWith(".Arn>");
        assertThat(json.allStatements().stream().filter(s -> actions(s).stream().anyMatch(a -> a.startsWith("kms:"))))
                .as("only the rollout machine uses the topic key").hasSize(1);
    }

    @Test
    void machinesLogEverythingWithExecutionDataAndTrace() {
        Map<String, JsonNode> machines = json.ofType("AWS::StepFunctions::StateMachine");
        assertThat(machines).hasSize(2);
        for (JsonNode machine : machines.values()) {
            JsonNode properties = machine.path("Properties");
            assertThat(properties.at("/LoggingConfiguration/Level").asText()).isEqualTo("ALL");
            assertThat(properties.at("/LoggingConfiguration/IncludeExecutionData").asBoolean()).isTrue();
            String logGroup = properties.at("/LoggingConfiguration/Destinations/0/CloudWatchLogsLogGroup/LogGroupArn"
                    + "/Fn::GetAtt/0").asText();
            JsonNode logs = json.one("AWS::Logs::LogGroup", logGroup).path("Properties");
            assertThat(logs.path("LogGroupName").asText()).startsWith("/aws/vendedlogs/states/prod-canary-");
            assertThat(logs.path("RetentionInDays").asInt()).isEqualTo(90);
            assertThat(properties.at("/TracingConfiguration/Enabled").asBoolean()).isTrue();
            assertThat(properties.path("StateMachineType").asText()).isEqualTo("STANDARD");
        }
    }

    @Test
    void topicIsEncryptedTlsOnlyAndMailsTheConfiguredAddress() {
        JsonNode topic = json.one("AWS::SNS::Topic", "NotificationsTopic").path("Properties");
        assertThat(topic.at("/KmsMasterKeyId/Fn::GetAtt/0").asText()).startsWith("NotificationsTopicKey");
        template.hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of("EnableKeyRotation", true)));
        template.hasResourceProperties("AWS::SNS::Subscription", Map.of(
                "Protocol", "email", "Endpoint", "oncall@example.com",
                "TopicArn", Map.of("Ref", json.logicalId("AWS::SNS::Topic", "NotificationsTopic"))));
        template.hasResourceProperties("AWS::SNS::TopicPolicy", Match.objectLike(Map.of("PolicyDocument",
                Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny", "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }

    @Test
    void everyEndOfARolloutExecutionIsFinishedByTheWeightShifter() {
        JsonNode rule = json.one("AWS::Events::Rule", "NotificationsRolloutEndCleanup").path("Properties");
        assertThat(rule.path("EventPattern")).isEqualTo(statusPattern("RolloutMachine",
                List.of("SUCCEEDED", "ABORTED", "TIMED_OUT", "FAILED")));
        assertThat(rule.at("/Targets/0/Arn/Ref").asText()).startsWith("WeightShifterLive");
        assertThat(rule.path("Targets")).hasSize(1);
        template.hasResourceProperties("AWS::Lambda::Permission", Map.of(
                "Action", "lambda:InvokeFunction", "Principal", "events.amazonaws.com",
                "FunctionName", Map.of("Ref", json.logicalId("AWS::Lambda::Alias", "WeightShifterLive")),
                "SourceArn", Map.of("Fn::GetAtt", List.of(
                        json.logicalId("AWS::Events::Rule", "NotificationsRolloutEndCleanup"), "Arn"))));
    }

    @Test
    void promotionsAndRollbacksAreToldToTheTopic() {
        JsonNode rule = json.one("AWS::Events::Rule", "NotificationsRolloutOutcome").path("Properties");
        assertThat(rule.path("EventPattern")).isEqualTo(statusPattern("RolloutMachine",
                List.of("SUCCEEDED", "ABORTED", "TIMED_OUT", "FAILED")));
        assertThat(rule.at("/Targets/0/Arn/Ref").asText()).startsWith("NotificationsTopic");
        assertThat(rule.at("/Targets/0/InputTransformer/InputTemplate").asText())
                .contains("<detail-status>", "<detail-cause>", "<detail-executionArn>");
        assertThat(rule.at("/Targets/0/InputTransformer/InputPathsMap/detail-cause").asText()).isEqualTo("$.detail.cause");
    }

    @Test
    void everyStageTransitionIsRecordedInTheStageTransitionsLogGroup() {
        JsonNode rule = json.one("AWS::Events::Rule", "NotificationsStageTransitionsRule").path("Properties");
        assertThat(rule.path("EventPattern")).isEqualTo(statusPattern("StageMachine",
                List.of("RUNNING", "SUCCEEDED", "ABORTED", "TIMED_OUT", "FAILED")));
        String logGroup = json.logicalId("AWS::Logs::LogGroup", "NotificationsStageTransitions");
        assertThat(TemplateJson.render(rule.at("/Targets/0/Arn")))
                .isEqualTo("arn:aws:logs:us-east-1:123456789012:log-group:<" + logGroup + ">");
        JsonNode policy = json.one("AWS::Logs::ResourcePolicy", "NotificationsStageTransitionsDelivery");
        assertThat(TemplateJson.render(policy.at("/Properties/PolicyDocument")))
                .contains("\"events.amazonaws.com\"").contains("logs:PutLogEvents").contains("<" + logGroup + ".Arn>");
    }

    @Test
    void failedOrTimedOutRolloutExecutionsRaiseTheAlarmToTheTopic() {
        JsonNode alarm = json.one("AWS::CloudWatch::Alarm", "NotificationsRolloutExecutionsFailed").path("Properties");
        assertThat(alarm.at("/AlarmActions/0/Ref").asText()).startsWith("NotificationsTopic");
        assertThat(alarm.path("Threshold").asInt()).isEqualTo(1);
        Set<String> metrics = new java.util.TreeSet<>();
        for (JsonNode metric : alarm.path("Metrics")) {
            if (metric.has("MetricStat")) {
                metrics.add(metric.at("/MetricStat/Metric/MetricName").asText());
                assertThat(metric.at("/MetricStat/Metric/Dimensions/0/Value/Ref").asText())
                        .startsWith("RolloutMachine");
            }
        }
        assertThat(metrics).containsExactly("ExecutionsFailed", "ExecutionsTimedOut");
    }

    @Test
    void topicPolicyLetsCloudWatchPublishForEveryAlarmThatNotifiesTheTopicAndNoOther() {
        String topic = json.logicalId("AWS::SNS::Topic", "NotificationsTopic");
        Set<String> notifying = json.ofType("AWS::CloudWatch::Alarm").entrySet().stream()
                .filter(e -> e.getValue().at("/Properties/AlarmActions").toString().contains("\"" + topic + "\""))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(notifying).hasSize(4).anyMatch(id -> id.startsWith("NotificationsRolloutExecutionsFailed"))
                .anyMatch(id -> id.startsWith("NotificationsCleanupUndeliveredAlarm"))
                .anyMatch(id -> id.startsWith("NotificationsCleanupFailedAlarm"))
                .anyMatch(id -> id.startsWith("NotificationsCachePurgesUnfinished"));

        JsonNode publish = topicPolicyStatement("cloudwatch.amazonaws.com");
        assertThat(publish.path("Effect").asText()).isEqualTo("Allow");
        assertThat(actions(publish)).containsExactly("sns:Publish");
        assertThat(publish.at("/Resource/Ref").asText()).isEqualTo(topic);
        assertThat(sourceArns(publish.at("/Condition/ArnEquals/aws:SourceArn"))).isEqualTo(notifying);
        assertThat(publish.at("/Condition/StringEquals/aws:SourceAccount").asText())
                .isEqualTo(SynthesizedController.ACCOUNT);
    }

    @Test
    void topicPolicyLetsEventBridgePublishOnlyForTheRulesThatTargetTheTopic() {
        String topic = json.logicalId("AWS::SNS::Topic", "NotificationsTopic");
        Set<String> targeting = json.ofType("AWS::Events::Rule").entrySet().stream()
                .filter(e -> e.getValue().at("/Properties/Targets").toString().contains("{\"Ref\":\"" + topic + "\"}"))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(targeting).singleElement(STRING).startsWith("NotificationsRolloutOutcome");

        JsonNode publish = topicPolicyStatement("events.amazonaws.com");
        assertThat(actions(publish)).containsExactly("sns:Publish");
        assertThat(sourceArns(publish.at("/Condition/ArnEquals/aws:SourceArn"))).isEqualTo(targeting);
    }

    @Test
    void aCleanupEventEventBridgeCannotDeliverGoesToAnEncryptedQueueOnlyTheCleanupRuleMayWrite() {
        String rule = json.logicalId("AWS::Events::Rule", "NotificationsRolloutEndCleanup");
        JsonNode target = json.one("AWS::Events::Rule", rule).at("/Properties/Targets/0");
        String queue = target.at("/DeadLetterConfig/Arn/Fn::GetAtt/0").asText();
        assertThat(queue).startsWith("NotificationsCleanupUndelivered");
        assertThat(target.at("/RetryPolicy/MaximumRetryAttempts").asInt()).isEqualTo(8);
        assertEncryptedTlsOnlyQueue(queue, "prod-canary-cleanup-undelivered");

        List<JsonNode> allows = queuePolicyStatements(queue).stream()
                .filter(s -> s.path("Effect").asText().equals("Allow")).toList();
        assertThat(allows).singleElement().satisfies(allow -> {
            assertThat(allow.at("/Principal/Service").asText()).isEqualTo("events.amazonaws.com");
            assertThat(actions(allow)).containsExactly("sqs:SendMessage");
            assertThat(allow.at("/Condition/ArnEquals/aws:SourceArn/Fn::GetAtt/0").asText()).isEqualTo(rule);
        });
    }

    @Test
    void aCleanupTheWeightShifterKeepsFailingGoesToAnEncryptedQueueAfterLambdasRetries() {
        Map<String, JsonNode> configs = json.ofType("AWS::Lambda::EventInvokeConfig");
        assertThat(configs).hasSize(1);
        JsonNode config = configs.values().iterator().next().path("Properties");
        assertThat(config.at("/FunctionName/Ref").asText()).startsWith("WeightShifter");
        // The qualifier is the live alias the cleanup rule invokes (its ARN's eighth field).
        assertThat(config.at("/Qualifier/Fn::Select/1/Fn::Split/1/Ref").asText()).startsWith("WeightShifterLive");
        assertThat(config.path("MaximumRetryAttempts").asInt())
                .isEqualTo(ControllerNotifications.CLEANUP_FUNCTION_RETRIES);
        String queue = config.at("/DestinationConfig/OnFailure/Destination/Fn::GetAtt/0").asText();
        assertThat(queue).startsWith("NotificationsCleanupFailed");
        assertEncryptedTlsOnlyQueue(queue, "prod-canary-cleanup-failed");
        // Lambda sends the failure record with the function's own role.
        JsonNode send = statement(json.statementsOf("WeightShifterRole"), "sqs:SendMessage");
        assertThat(resources(send)).containsExactly("<" + queue + ".Arn>");
    }

    @Test
    void eachCleanupQueueRaisesAnAlarmToTheTopicOnItsFirstMessage() {
        String topic = json.logicalId("AWS::SNS::Topic", "NotificationsTopic");
        for (String queue : List.of("NotificationsCleanupUndelivered", "NotificationsCleanupFailed")) {
            String queueId = json.logicalId("AWS::SQS::Queue", queue);
            JsonNode alarm = json.one("AWS::CloudWatch::Alarm", queue + "Alarm").path("Properties");
            assertThat(alarm.path("MetricName").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
            assertThat(alarm.path("Namespace").asText()).isEqualTo("AWS/SQS");
            assertThat(alarm.at("/Dimensions/0/Value/Fn::GetAtt").toString()).contains(queueId, "QueueName");
            assertThat(alarm.path("Threshold").asInt()).isEqualTo(1);
            assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
            assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(1);
            assertThat(alarm.at("/AlarmActions/0/Ref").asText()).isEqualTo(topic);
        }
    }

    @Test
    void anUnfinishedCachePurgeOfAnyTargetRaisesTheAlarmToTheTopic() {
        JsonNode alarm = json.one("AWS::CloudWatch::Alarm", "NotificationsCachePurgesUnfinished").path("Properties");
        assertThat(alarm.at("/AlarmActions/0/Ref").asText()).startsWith("NotificationsTopic");
        assertThat(alarm.path("Threshold").asInt()).isEqualTo(1);
        Set<String> functions = new java.util.TreeSet<>();
        for (JsonNode metric : alarm.path("Metrics")) {
            if (metric.has("MetricStat")) {
                assertThat(metric.at("/MetricStat/Metric/Namespace").asText()).isEqualTo("RagCanary");
                assertThat(metric.at("/MetricStat/Metric/MetricName").asText()).isEqualTo("CachePurgesUnfinished");
                assertThat(metric.at("/MetricStat/Stat").asText()).isEqualTo("Sum");
                functions.add(metric.at("/MetricStat/Metric/Dimensions/0/Value").asText());
            } else {
                assertThat(metric.path("Expression").asText()).isEqualTo("SUM(FILL(METRICS(), 0))");
            }
        }
        assertThat(functions).containsExactly("rag-answer", "rag-answer-eu");
    }

    @Test
    void dashboardShowsEveryRolloutPanelFromTheRagCanaryNamespace() {
        JsonNode dashboard = json.one("AWS::CloudWatch::Dashboard", "Dashboard");
        String body = TemplateJson.render(dashboard.at("/Properties/DashboardBody"));
        assertThat(body).contains("Canary weight per stage", "p95 warm latency per variant",
                "p95 cold-start latency per variant", "Errors by failure class", "ΔS median per stage",
                "Coverage per stage", "Gate verdicts", "Stage transitions");
        for (ControllerDashboard.PanelMetric metric : ControllerDashboard.PANEL_METRICS) {
            assertThat(body).contains(metric.search("", 0).replaceAll("', '.*$", "").replace("\"", "\\\""));
        }
        assertThat(body).contains("{RagCanary/Router,Function,Alias,Variant,ColdStart} MetricName=\\\"LatencyMs\\\" "
                + "ColdStart=\\\"false\\\"', 'p95', 60)");
        assertThat(body).contains("{RagCanary/Router,Function,Alias,Variant,ColdStart} MetricName=\\\"LatencyMs\\\" "
                + "ColdStart=\\\"true\\\"', 'p95', 60)");
        assertThat(body).contains("'p95'");
    }

    @Test
    void everyDashboardMetricIsDocumentedForTheHandlerAuthors() throws java.io.IOException {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "metrics.md"));
        for (ControllerDashboard.PanelMetric metric : ControllerDashboard.PANEL_METRICS) {
            assertThat(doc).as("docs/metrics.md row for " + metric)
                    .containsPattern("(?m)^\\| `" + java.util.regex.Pattern.quote(metric.namespace()) + "` \\| `"
                            + metric.name() + "` \\| \\w+ \\| " + String.join(", ", metric.dimensions()) + " \\|");
        }
    }

    /** The notification topic policy's one statement for {@code service}. */
    private static JsonNode topicPolicyStatement(String service) {
        List<JsonNode> found = new java.util.ArrayList<>();
        json.one("AWS::SNS::TopicPolicy", "NotificationsTopicPolicy").at("/Properties/PolicyDocument/Statement")
                .forEach(s -> {
                    if (s.at("/Principal/Service").asText().equals(service)) {
                        found.add(s);
                    }
                });
        assertThat(found).as("topic policy statements for " + service).hasSize(1);
        return found.get(0);
    }

    /** Logical ids named by an {@code aws:SourceArn} condition value (one GetAtt or a list of them). */
    private static Set<String> sourceArns(JsonNode value) {
        Set<String> ids = new java.util.TreeSet<>();
        for (JsonNode arn : value.isArray() ? value : TemplateJson.MAPPER.createArrayNode().add(value)) {
            assertThat(arn.at("/Fn::GetAtt/1").asText()).isEqualTo("Arn");
            ids.add(arn.at("/Fn::GetAtt/0").asText());
        }
        return ids;
    }

    private static void assertEncryptedTlsOnlyQueue(String queue, String name) {
        JsonNode properties = json.one("AWS::SQS::Queue", queue).path("Properties");
        assertThat(properties.path("QueueName").asText()).isEqualTo(name);
        assertThat(properties.path("SqsManagedSseEnabled").asBoolean()).isTrue();
        assertThat(properties.path("MessageRetentionPeriod").asInt()).isEqualTo(14 * 24 * 3600);
        assertThat(queuePolicyStatements(queue)).anySatisfy(deny -> {
            assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
            assertThat(deny.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
        });
    }

    private static List<JsonNode> queuePolicyStatements(String queue) {
        List<JsonNode> statements = new java.util.ArrayList<>();
        json.ofType("AWS::SQS::QueuePolicy").values().stream()
                .filter(p -> p.at("/Properties/Queues/0/Ref").asText().equals(queue))
                .forEach(p -> p.at("/Properties/PolicyDocument/Statement").forEach(statements::add));
        return statements;
    }

    private static Map<String, String> environment(ControllerFunction function) {
        JsonNode variables = json.one("AWS::Lambda::Function", function.id()).at("/Properties/Environment/Variables");
        Map<String, String> environment = new java.util.TreeMap<>();
        variables.fields().forEachRemaining(e -> environment.put(e.getKey(), TemplateJson.render(e.getValue())));
        return environment;
    }

    private static List<JsonNode> lambdaStatements(String role) {
        return json.statementsOf(role).stream()
                .filter(s -> actions(s).stream().anyMatch(a -> a.startsWith("lambda:")))
                .toList();
    }

    /** The gate's statements on the rollouts table, each on the table itself and nothing else. */
    private static List<JsonNode> gateRolloutStatements() {
        String rollouts = json.logicalId("AWS::DynamoDB::Table", "Rollouts");
        List<JsonNode> onRollouts = json.statementsOf("GateEvaluationRole").stream()
                .filter(s -> resources(s).stream().anyMatch(r -> r.contains(rollouts))).toList();
        assertThat(onRollouts).hasSize(3).allSatisfy(statement ->
                assertThat(resources(statement)).containsExactly("<" + rollouts + ".Arn>"));
        return onRollouts;
    }

    private static JsonNode statement(List<JsonNode> statements, String action) {
        List<JsonNode> found = statements.stream().filter(s -> actions(s).contains(action)).toList();
        assertThat(found).as("statements granting " + action).hasSize(1);
        return found.get(0);
    }

    private static List<String> objectGrants(String role) {
        return json.statementsOf(role).stream()
                .filter(s -> actions(s).stream().anyMatch(a -> a.startsWith("s3:")))
                .flatMap(s -> actions(s).stream().flatMap(action -> resources(s).stream()
                        .map(resource -> action + " " + resource.substring(resource.indexOf(">/") + 2))))
                .toList();
    }

    private static Set<String> invokedAliases(String role) {
        return json.statementsOf(role).stream()
                .filter(s -> actions(s).contains("lambda:InvokeFunction"))
                .flatMap(s -> resources(s).stream())
                .map(resource -> resource.replaceAll("^<(.*Live)[0-9A-F]{8}>$", "$1"))
                .collect(Collectors.toSet());
    }

    private static JsonNode statusPattern(String machinePrefix, List<String> statuses) {
        String machine = json.logicalId("AWS::StepFunctions::StateMachine", machinePrefix);
        return TemplateJson.json(Map.of(
                "source", List.of("aws.states"),
                "detail-type", List.of("Step Functions Execution Status Change"),
                "detail", Map.of("stateMachineArn", List.of(Map.of("Ref", machine)), "status", statuses)));
    }
}
