package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.sfn.SfnStub;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LockKeptException;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.core.traffic.WeightShifter;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.InMemoryLambdaAliases;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator commands against a Step Functions stub server and a dynalite rollouts table. */
class OperatorCommandsTest {
    static final String MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:RagCanaryRollout";
    static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:RagCanaryRollout:";
    static final String TABLE = "rollouts";

    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable(TABLE));

    /** The region of a SigV4-signed request, from its credential scope. */
    static final Pattern SIGNED_REGION = Pattern.compile("Credential=[^/]+/\\d{8}/([a-z0-9-]+)/");

    final StubAwsServer sfn = new StubAwsServer();
    final StubAwsServer lambda = new StubAwsServer();

    @AfterEach
    void stop() {
        sfn.close();
        lambda.close();
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("RAG_CANARY_ENDPOINT_STATES", sfn.endpoint().toString());
        env.put("RAG_CANARY_ENDPOINT_DYNAMODB", DYNAMO.dynalite().endpoint().toString());
        env.put("RAG_CANARY_ENDPOINT_LAMBDA", lambda.endpoint().toString());
        env.put("RAG_CANARY_STATE_MACHINE_ARN", MACHINE);
        env.put("ROLLOUTS_TABLE", TABLE);
        env.put("USER", "ana");
        return env;
    }

    static String describe(String name, String status) {
        return describe(name, status, "{}");
    }

    /** DescribeExecution of the execution {@code name}, started with {@code input}. */
    static String describe(String name, String status, String input) {
        Map<String, Object> execution = new LinkedHashMap<>();
        execution.put("executionArn", EXECUTION + name);
        execution.put("name", name);
        execution.put("stateMachineArn", MACHINE);
        execution.put("status", status);
        execution.put("startDate", 1764150000);
        if (!"RUNNING".equals(status)) {
            execution.put("stopDate", 1764160000);
        }
        execution.put("input", input);
        return Json.compact(execution);
    }

    static String startInput(String rolloutId, String function) throws IOException {
        return Files.readString(CliRun.repoRoot().resolve("events/start-rollout.json"))
                .replace("rag-answer-live-v42", rolloutId).replace("\"rag-answer\"", "\"" + function + "\"");
    }

    /** The owner is named like a pipeline's execution, not after the rollout: release must follow the state's owner. */
    static String ownerName(String rolloutId) {
        return "pipeline-" + rolloutId;
    }

    /** A rollout driven by the real weight shifter over the dynalite table, with its aliases held in memory. */
    record Rollout(String id, String function, String startInput, RolloutRequest plan, InMemoryLambdaAliases aliases,
                   WeightShifter shifter) {
        Rollout rolledBack() {
            shifter.rollback(plan, "gate ROLLBACK at stage one", Step.first("rollback"));
            return this;
        }
    }

    /** A rollout at stage one (1 % on version 42 in us-east-1), owned by {@link #ownerName}. */
    static Rollout atStageOne(String rolloutId, String function) throws IOException {
        String input = startInput(rolloutId, function);
        RolloutRequest plan = RolloutRequestParser.parse(input);
        InMemoryLambdaAliases aliases = new InMemoryLambdaAliases();
        plan.regions().forEach(region -> aliases.publish(region, function, "41", "42").alias(region, function, "live", "41"));
        WeightShifter shifter = new WeightShifter(aliases, aliases, new DynamoDbRolloutStore(DYNAMO.client(), TABLE),
                // The rollouts here ran five minutes ago: any late-raise window after their rollback has passed.
                new DynamoDbLedger(DYNAMO.client(), TABLE), CachePurger.NONE,
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-5)));
        shifter.start(plan, EXECUTION + ownerName(rolloutId), Step.first("start"));
        shifter.shift(plan, "one", EXECUTION + ownerName(rolloutId), Step.first("shift one"));
        return new Rollout(rolloutId, function, input, plan, aliases, shifter);
    }

    /** Lambda answers GetAlias in each region with version 41 plus that region's AdditionalVersionWeights JSON. */
    void aliasesRoute(Map<String, String> weightsByRegion) {
        lambda.otherwise(request -> {
            Matcher signed = SIGNED_REGION.matcher(request.header("Authorization"));
            String region = signed.find() ? signed.group(1) : "unsigned";
            return StubAwsServer.Response.json(200, "{\"FunctionVersion\":\"41\",\"Name\":\"live\",\"RevisionId\":\"rev-"
                    + region + "\",\"RoutingConfig\":{\"AdditionalVersionWeights\":" + weightsByRegion.get(region) + "}}");
        });
    }

    static RolloutState stateOf(String function) {
        return new DynamoDbRolloutStore(DYNAMO.client(), TABLE).read(function, "live").orElseThrow();
    }

    static List<LedgerEntry> ledgerOf(String rolloutId, String function) {
        return new DynamoDbLedger(DYNAMO.client(), TABLE).complete(rolloutId, Optional.of(stateOf(function)));
    }

    static LedgerEntry lastEntry(String rolloutId, String function) {
        List<LedgerEntry> ledger = ledgerOf(rolloutId, function);
        return ledger.get(ledger.size() - 1);
    }

    @Test
    void startValidatesThenStartsAnExecutionNamedAfterTheRollout() throws Exception {
        sfn.then(SfnStub.ok("{\"executionArn\":\"" + EXECUTION + "rag-answer-live-v42\",\"startDate\":1764150000}"));

        CliRun run = CliRun.withEnv(env(), "start", "events/start-rollout.json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode body = SfnStub.body(sfn.requests().get(0));
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.StartExecution");
        assertThat(body.get("stateMachineArn").asText()).isEqualTo(MACHINE);
        assertThat(body.get("name").asText()).isEqualTo("rag-answer-live-v42");
        assertThat(Json.MAPPER.readTree(body.get("input").asText()))
                .isEqualTo(Json.MAPPER.readTree(Files.readString(CliRun.repoRoot().resolve("events/start-rollout.json"))));
        assertThat(run.out()).contains("started rollout rag-answer-live-v42 (rag-answer:live, canary version 42)")
                .contains(EXECUTION + "rag-answer-live-v42")
                .contains("https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/");
    }

    @Test
    void startTakesAnotherNameWhenAsked() {
        sfn.then(SfnStub.ok("{\"executionArn\":\"" + EXECUTION + "retry-2\",\"startDate\":1764150000}"));

        CliRun run = CliRun.withEnv(env(), "start", "events/start-rollout.json", "--name", "retry-2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(SfnStub.body(sfn.requests().get(0)).get("name").asText()).isEqualTo("retry-2");
    }

    @Test
    void startOfBadInputNamesTheProblemsAndCallsNothing() {
        CliRun run = CliRun.withEnv(env(), "start", "functions/core/src/test/resources/contracts/start-rollout/invalid/schema-everything-wrong.json");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("$.target.canaryVersion");
        assertThat(sfn.requests()).isEmpty();
    }

    @Test
    void startWithoutAStateMachineSaysHowToNameOne() {
        Map<String, String> env = env();
        env.remove("RAG_CANARY_STATE_MACHINE_ARN");

        CliRun run = CliRun.withEnv(env, "start", "events/start-rollout.json");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--state-machine-arn").contains("RAG_CANARY_STATE_MACHINE_ARN");
        assertThat(CliRun.withEnv(env, "start", "events/start-rollout.json", "--state-machine-arn", "RagCanaryRollout").err())
                .contains("not a state machine ARN");
        assertThat(sfn.requests()).isEmpty();
    }

    @Test
    void startingARunningRolloutAgainJoinsIt() {
        sfn.then(SfnStub.error(400, "com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists",
                        "Execution Already Exists: '" + EXECUTION + "rag-answer-live-v42'"))
                .then(SfnStub.ok(describe("rag-answer-live-v42", "RUNNING")));

        CliRun run = CliRun.withEnv(env(), "start", "events/start-rollout.json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("already running").contains("joined it");
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.StartExecution", "AWSStepFunctions.DescribeExecution");
    }

    @Test
    void aNameTakenByAFinishedExecutionIsRefused() {
        sfn.then(SfnStub.error(400, "com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists",
                        "Execution Already Exists: '" + EXECUTION + "rag-answer-live-v42'"))
                .then(SfnStub.ok(describe("rag-answer-live-v42", "SUCCEEDED")));

        CliRun run = CliRun.withEnv(env(), "start", "events/start-rollout.json");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("taken by a finished execution (SUCCEEDED").contains("new rolloutId");
    }

    @Test
    void approveAnswersTheWaitingTokenFromTheHistory() throws Exception {
        String parameters = Json.compact(Map.of("Message", Map.of("kind", "stage", "stage", "fifty", "taskToken", "TOKEN-7")));
        sfn.then(SfnStub.ok("{\"events\":["
                        + "{\"timestamp\":1764158499,\"type\":\"TaskScheduled\",\"id\":40,\"previousEventId\":39,"
                        + "\"taskScheduledEventDetails\":{\"resourceType\":\"sns\",\"resource\":\"publish.waitForTaskToken\","
                        + "\"region\":\"eu-west-1\",\"parameters\":" + Json.compact(parameters) + "}},"
                        + "{\"timestamp\":1764158498,\"type\":\"TaskStateEntered\",\"id\":39,\"previousEventId\":38,"
                        + "\"stateEnteredEventDetails\":{\"name\":\"Ask a person to decide\"}}]}"))
                .then(SfnStub.ok("{}"));

        CliRun run = CliRun.withEnv(env(), "approve", "rag-answer-live-v42");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.GetExecutionHistory", "AWSStepFunctions.SendTaskSuccess");
        assertThat(SfnStub.body(sfn.requests().get(0)).get("executionArn").asText()).isEqualTo(EXECUTION + "rag-answer-live-v42");
        JsonNode answer = SfnStub.body(sfn.requests().get(1));
        assertThat(answer.get("taskToken").asText()).isEqualTo("TOKEN-7");
        assertThat(Json.MAPPER.readTree(answer.get("output").asText()))
                .isEqualTo(Json.MAPPER.readTree("{\"approved\":true,\"by\":\"ana\"}"));
        assertThat(run.out()).contains("approved stage fifty of rollout rag-answer-live-v42");
    }

    @Test
    void approveRefusesWhenNothingWaitsAndCanReject() throws Exception {
        sfn.then(SfnStub.ok("{\"events\":[{\"timestamp\":1764158499,\"type\":\"WaitStateEntered\","
                + "\"id\":12,\"stateEnteredEventDetails\":{\"name\":\"Bake\"}}]}"));

        CliRun nothing = CliRun.withEnv(env(), "approve", "rag-answer-live-v42");

        assertThat(nothing.exitCode()).isEqualTo(2);
        assertThat(nothing.err()).contains("is not waiting for an approval");
        assertThat(SfnStub.targets(sfn)).doesNotContain("AWSStepFunctions.SendTaskSuccess");

        sfn.then(SfnStub.ok("{\"events\":[{\"timestamp\":1764158499,\"type\":\"TaskScheduled\","
                        + "\"id\":40,\"taskScheduledEventDetails\":{\"resourceType\":\"sns\",\"resource\":\"publish.waitForTaskToken\","
                        + "\"region\":\"eu-west-1\",\"parameters\":\"{\\\"Message\\\":{\\\"stage\\\":\\\"ten\\\",\\\"taskToken\\\":\\\"T2\\\"}}\"}}]}"))
                .then(SfnStub.ok("{}"));
        CliRun reject = CliRun.withEnv(env(), "approve", "rag-answer-live-v42", "--reject", "--by", "bo");

        assertThat(reject.exitCode()).as(reject.err()).isZero();
        assertThat(Json.MAPPER.readTree(SfnStub.body(sfn.requests().get(sfn.requests().size() - 1)).get("output").asText()))
                .isEqualTo(Json.MAPPER.readTree("{\"approved\":false,\"by\":\"bo\"}"));
        assertThat(reject.out()).contains("refused stage ten");
    }

    @Test
    void abortStopsARunningExecutionWithTheReason() {
        sfn.then(SfnStub.ok(describe("rag-answer-live-v42", "RUNNING")))
                .then(SfnStub.ok("{\"stopDate\":1764160000}"));

        CliRun run = CliRun.withEnv(env(), "abort", "rag-answer-live-v42", "--reason", "p95 looks wrong in eu-west-1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.DescribeExecution", "AWSStepFunctions.StopExecution");
        assertThat(SfnStub.body(sfn.requests().get(1))).isEqualTo(Json.MAPPER.valueToTree(Map.of(
                "executionArn", EXECUTION + "rag-answer-live-v42", "error", "OperatorAbort", "cause", "p95 looks wrong in eu-west-1")));
        assertThat(run.out()).contains("rolls the canary back to weight 0");
    }

    @Test
    void abortOfAFinishedRolloutChangesNothing() {
        sfn.then(SfnStub.ok(describe("rag-answer-live-v42", "FAILED")));

        CliRun run = CliRun.withEnv(env(), "abort", "rag-answer-live-v42", "--reason", "late");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("is not running (FAILED)");
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.DescribeExecution");
        assertThat(CliRun.withEnv(env(), "abort", "rag-answer-live-v42").exitCode()).as("--reason is required").isEqualTo(2);
    }

    @Test
    void abortRecordsItsReasonInTheLedgerBeforeStopping() throws Exception {
        Rollout rollout = atStageOne("abort-v42", "abort-fn");
        List<LedgerEntry.Type> lastEntryAtTheStop = new ArrayList<>();
        sfn.then(SfnStub.ok(describe("abort-v42", "RUNNING", rollout.startInput())))
                .then(request -> {
                    lastEntryAtTheStop.add(lastEntry("abort-v42", "abort-fn").type());
                    return SfnStub.ok("{\"stopDate\":1764160000}");
                });

        CliRun run = CliRun.withEnv(env(), "abort", "abort-v42", "--reason", "p95 looks wrong in eu-west-1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(lastEntryAtTheStop).containsExactly(LedgerEntry.Type.ABORT_REQUESTED);
        LedgerEntry requested = lastEntry("abort-v42", "abort-fn");
        assertThat(requested.reason()).isEqualTo("p95 looks wrong in eu-west-1");
        assertThat(requested.token()).startsWith("cli/abort/");
        assertThat(SfnStub.body(sfn.requests().get(1)).get("cause").asText()).isEqualTo("p95 looks wrong in eu-west-1");
        assertThat(run.out()).contains("recorded the reason in the ledger (#3 ABORT_REQUESTED)");
    }

    @Test
    void abortStillStopsWhenTheReasonCannotBeRecorded() throws Exception {
        sfn.then(SfnStub.ok(describe("abort-unrecorded-v42", "RUNNING", startInput("abort-unrecorded-v42", "abort-unrecorded-fn"))))
                .then(SfnStub.ok("{\"stopDate\":1764160000}"));
        Map<String, String> env = env();
        env.put("ROLLOUTS_TABLE", "no-such-table");

        CliRun run = CliRun.withEnv(env, "abort", "abort-unrecorded-v42", "--reason", "p95 looks wrong");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.DescribeExecution", "AWSStepFunctions.StopExecution");
        assertThat(run.err()).contains("the reason was not recorded in the ledger").contains("stopping anyway");
        assertThat(run.out()).contains("stopped rollout abort-unrecorded-v42");
    }

    @Test
    void releaseIsRefusedWhileTheOwningExecutionRuns() throws Exception {
        Rollout rollout = atStageOne("release-running-v42", "release-running-fn").rolledBack();
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "RUNNING", rollout.startInput())));

        CliRun run = CliRun.withEnv(env(), "release", rollout.id(), "--reason", "alias fixed by hand");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("refused").contains("(RUNNING)")
                .contains("./canary abort " + ownerName(rollout.id()) + " --reason TEXT");
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.DescribeExecution");
        assertThat(SfnStub.body(sfn.requests().get(0)).get("executionArn").asText()).isEqualTo(EXECUTION + ownerName(rollout.id()));
        assertThat(lambda.requests()).isEmpty();
        assertThat(stateOf(rollout.function()).status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    }

    @Test
    void releaseIsRefusedWhileARegionStillRoutesToTheCanaryAndTheLedgerSaysSo() throws Exception {
        Rollout rollout = atStageOne("release-routed-v42", "release-routed-fn").rolledBack();
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "FAILED", rollout.startInput())));
        aliasesRoute(Map.of("us-east-1", "{}", "eu-west-1", "{\"42\":0.05}"));

        CliRun run = CliRun.withEnv(env(), "release", rollout.id(), "--reason", "alias fixed by hand");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("refused, lock kept: eu-west-1 routes version 41 + {42=0.05}").doesNotContain("us-east-1 routes");
        // The release tries to take back the weight (here the alias does not change) and never raises anything.
        assertThat(lambda.requests()).allSatisfy(request -> {
            assertThat(request.path()).isEqualTo("/2015-03-31/functions/release-routed-fn/aliases/live");
            if (request.method().equals("PUT")) {
                assertThat(request.body()).contains("\"AdditionalVersionWeights\":{}").contains("\"FunctionVersion\":\"41\"");
            }
        });
        RolloutState state = stateOf(rollout.function());
        assertThat(state.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(state.lockKept()).isTrue();
        LedgerEntry kept = lastEntry(rollout.id(), rollout.function());
        assertThat(kept.type()).isEqualTo(LedgerEntry.Type.INCOMPLETE);
        assertThat(kept.reason()).startsWith("lock kept: eu-west-1 routes");
        assertThat(kept.token()).startsWith("cli/release/");
        RolloutRequest next = RolloutRequestParser.parse(startInput("release-routed-v43", rollout.function()));
        assertThatThrownBy(() -> new DynamoDbRolloutStore(DYNAMO.client(), TABLE)
                .acquire(RolloutState.initial(next, "41", null, Step.first("next"), Instant.now())))
                .isInstanceOf(RolloutStore.RolloutLockedException.class);
    }

    @Test
    void releaseFreesTheLockOnceEveryAliasIsRightAndRecordsWhoAndWhy() throws Exception {
        Rollout rollout = atStageOne("release-ok-v42", "release-ok-fn").rolledBack();
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "FAILED", rollout.startInput())));
        aliasesRoute(Map.of("us-east-1", "{}", "eu-west-1", "{}"));

        CliRun run = CliRun.withEnv(env(), "release", rollout.id(), "--reason", "alias fixed by hand in eu-west-1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("released the lock of rollout release-ok-v42 on release-ok-fn:live (it was ROLLED_BACK)");
        assertThat(stateOf(rollout.function()).status()).isEqualTo(RolloutStatus.RELEASED);
        LedgerEntry released = lastEntry(rollout.id(), rollout.function());
        assertThat(released.type()).isEqualTo(LedgerEntry.Type.RELEASED);
        assertThat(released.reason()).isEqualTo(
                "lock released after ROLLED_BACK: operator release by ana: alias fixed by hand in eu-west-1");
        assertThat(released.token()).startsWith("cli/release/");
        RolloutRequest next = RolloutRequestParser.parse(startInput("release-ok-v43", rollout.function()));
        assertThat(new DynamoDbRolloutStore(DYNAMO.client(), TABLE)
                .acquire(RolloutState.initial(next, "41", null, Step.first("next"), Instant.now())).rolloutId())
                .isEqualTo("release-ok-v43");
    }

    @Test
    void releaseRightAfterARollbackIsRefusedUntilTheLateRaiseWindowHasPassed() throws Exception {
        Rollout rollout = atStageOne("release-soon-v42", "release-soon-fn");
        new WeightShifter(rollout.aliases(), rollout.aliases(), new DynamoDbRolloutStore(DYNAMO.client(), TABLE),
                new DynamoDbLedger(DYNAMO.client(), TABLE), CachePurger.NONE, Clock.systemUTC())
                .rollback(rollout.plan(), "gate ROLLBACK at stage one", Step.first("rollback"));
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "FAILED", rollout.startInput())));
        List<LedgerEntry> before = ledgerOf(rollout.id(), rollout.function());

        CliRun run = CliRun.withEnv(env(), "release", rollout.id(), "--reason", "alias fixed by hand");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("refused, nothing changed: rollout release-soon-v42 was rolled back less than 45 s ago")
                .contains("run ./canary release release-soon-v42 again then").doesNotContain("\tat ");
        assertThat(lambda.requests()).as("no alias is read or written before the window has passed").isEmpty();
        assertThat(stateOf(rollout.function()).status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(ledgerOf(rollout.id(), rollout.function())).isEqualTo(before);
    }

    @Test
    void releasingTwiceChangesNothingTheSecondTime() throws Exception {
        Rollout rollout = atStageOne("release-twice-v42", "release-twice-fn").rolledBack();
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "FAILED", rollout.startInput())));
        aliasesRoute(Map.of("us-east-1", "{}", "eu-west-1", "{}"));
        assertThat(CliRun.withEnv(env(), "release", rollout.id(), "--reason", "first").exitCode()).isZero();
        List<LedgerEntry> afterFirst = ledgerOf(rollout.id(), rollout.function());

        CliRun again = CliRun.withEnv(env(), "release", rollout.id(), "--reason", "second", "--by", "bo");

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("already released");
        assertThat(ledgerOf(rollout.id(), rollout.function())).isEqualTo(afterFirst);
        assertThat(afterFirst.get(afterFirst.size() - 1).reason()).contains("by ana: first");
    }

    @Test
    void releaseOfAnActiveRolloutWithCanaryWeightSaysToRollBackFirst() throws Exception {
        Rollout rollout = atStageOne("release-active-v42", "release-active-fn");
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "FAILED", rollout.startInput())));

        CliRun run = CliRun.withEnv(env(), "release", rollout.id(), "--reason", "execution gone");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("still routes 0.01 to the canary").contains("roll the canary back first")
                .contains("events/weight-shifter/rollback.json");
        assertThat(lambda.requests()).isEmpty();
        assertThat(stateOf(rollout.function()).status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(lastEntry(rollout.id(), rollout.function()).type()).isEqualTo(LedgerEntry.Type.WEIGHT_SET);
    }

    @Test
    void aFailedAliasReadIsAnAwsErrorWithoutAStackTrace() throws Exception {
        Rollout rollout = atStageOne("release-lambda-down-v42", "release-lambda-down-fn").rolledBack();
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "FAILED", rollout.startInput())));

        CliRun run = CliRun.withEnv(env(), "release", rollout.id(), "--reason", "alias fixed by hand");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("an AWS call failed").contains("no scripted response").doesNotContain("\tat ");
        assertThat(stateOf(rollout.function()).status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    }

    /** A rollout promoted to version 42 and released five minutes ago; Lambda serves each region's alias on 42. */
    Rollout promotedAndReleased(String rolloutId, String function) throws Exception {
        Rollout rollout = atStageOne(rolloutId, function);
        rollout.shifter().promote(rollout.plan(), EXECUTION + ownerName(rolloutId), Step.first("promote"));
        rollout.shifter().release(rollout.plan(), "promoted", Step.first("release"));
        sfn.then(SfnStub.ok(describe(ownerName(rolloutId), "SUCCEEDED", rollout.startInput())));
        Map<String, String> versions = new HashMap<>(Map.of("us-east-1", "42", "eu-west-1", "42"));
        lambda.otherwise(request -> {
            Matcher signed = SIGNED_REGION.matcher(request.header("Authorization"));
            String region = signed.find() ? signed.group(1) : "unsigned";
            if (request.path().endsWith("/configuration")) {
                return StubAwsServer.Response.json(200, "{\"FunctionName\":\"" + function + "\",\"Version\":\"41\"}");
            }
            if ("PUT".equals(request.method())) {
                versions.put(region, Json.parse("update", request.body()).path("FunctionVersion").asText());
            }
            return StubAwsServer.Response.json(200, "{\"FunctionVersion\":\"" + versions.get(region) + "\",\"Name\":"
                    + "\"live\",\"RevisionId\":\"rev-" + region + "-" + versions.get(region) + "\",\"RoutingConfig\":"
                    + "{\"AdditionalVersionWeights\":{}}}");
        });
        return rollout;
    }

    @Test
    void revertPutsEveryRegionsAliasBackOnThePreviousVersionAndRecordsWhoAndWhy() throws Exception {
        Rollout rollout = promotedAndReleased("revert-ok-v42", "revert-ok-fn");
        long epoch = stateOf(rollout.function()).epoch();

        CliRun run = CliRun.withEnv(env(), "revert", rollout.id(), "--reason", "answers cite the wrong runbook");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("reverted rollout revert-ok-v42 on revert-ok-fn:live: the alias serves version 41"
                + " again in us-east-1, eu-west-1").contains("purge the prefixes v2-cnr: and v1: yourself");
        assertThat(lambda.requests()).filteredOn(request -> "PUT".equals(request.method()))
                .extracting(request -> Json.parse("update", request.body()).path("FunctionVersion").asText())
                .containsExactly("41", "41");
        RolloutState state = stateOf(rollout.function());
        assertThat(state.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(state.epoch()).isEqualTo(epoch + 1);
        List<LedgerEntry> ledger = ledgerOf(rollout.id(), rollout.function());
        LedgerEntry reverted = ledger.get(ledger.size() - 2);
        assertThat(reverted.type()).isEqualTo(LedgerEntry.Type.REVERTED);
        assertThat(reverted.reason()).isEqualTo("alias back on version 41 (was 42): operator revert by ana: answers"
                + " cite the wrong runbook");
        assertThat(reverted.token()).isEqualTo("cli/revert/revert-ok-v42");

        int lambdaCalls = lambda.requests().size();
        CliRun again = CliRun.withEnv(env(), "revert", rollout.id(), "--reason", "answers cite the wrong runbook");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("was already reverted: the alias serves version 41; nothing to do");
        assertThat(ledgerOf(rollout.id(), rollout.function())).isEqualTo(ledger);
        assertThat(lambda.requests()).as("nothing read or written again").hasSize(lambdaCalls);
    }

    @Test
    void revertOfARolloutThatWasNotPromotedIsRefusedWithNothingChanged() throws Exception {
        Rollout rollout = atStageOne("revert-active-v42", "revert-active-fn").rolledBack();
        sfn.then(SfnStub.ok(describe(ownerName(rollout.id()), "FAILED", rollout.startInput())));
        List<LedgerEntry> before = ledgerOf(rollout.id(), rollout.function());

        CliRun run = CliRun.withEnv(env(), "revert", rollout.id(), "--reason", "undo");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("refused, nothing changed: rollout revert-active-v42 is ROLLED_BACK; only a"
                + " promoted rollout whose lock was released can be reverted").doesNotContain("\tat ");
        assertThat(lambda.requests()).isEmpty();
        assertThat(ledgerOf(rollout.id(), rollout.function())).isEqualTo(before);
    }

    @Test
    void statusShowsAKeptLockAndTheCommandThatFreesIt() throws Exception {
        Rollout rollout = atStageOne("status-kept-v42", "status-kept-fn").rolledBack();
        InMemoryLambdaAliases aliases = rollout.aliases();
        aliases.update("eu-west-1", "status-kept-fn", "live", "41", Map.of("42", 0.05),
                aliases.read("eu-west-1", "status-kept-fn", "live").revisionId());
        aliases.denyUpdates("eu-west-1");
        assertThatThrownBy(() -> rollout.shifter().release(rollout.plan(), "cleanup", Step.first("cleanup release")))
                .isInstanceOf(LockKeptException.class);
        Map<String, String> noMachine = env();
        noMachine.remove("RAG_CANARY_STATE_MACHINE_ARN");

        CliRun status = CliRun.withEnv(noMachine, "status", rollout.id());

        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("rollout status-kept-v42 on status-kept-fn:live  ROLLED_BACK")
                .containsPattern("LOCK KEPT since \\S+: no rollout can start on status-kept-fn:live until it is released.*\n"
                        + " +once every region's alias is right: \\./canary release status-kept-v42 --reason TEXT")
                .contains("INCOMPLETE one - lock kept: eu-west-1 routes version 41 + {42=0.05}");
    }

    @Test
    void historyShowsTheNewestEntryFromTheStateItemWithItsTypeAttemptAndToken() throws Exception {
        RolloutRequest plan = RolloutRequestParser.parse(startInput("history-attempts-v42", "history-attempts-fn"));
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), TABLE);
        DynamoDbLedger ledger = new DynamoDbLedger(DYNAMO.client(), TABLE);
        Instant t0 = Instant.parse("2026-11-26T10:00:00Z");
        RolloutState state = store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), t0));
        ledger.append(state.lastEntry());
        ledger.append(new LedgerEntry("history-attempts-v42", 2, t0.plusSeconds(60), LedgerEntry.Type.ABORT_REQUESTED,
                "start", 0, 1, "p95 looks wrong", null, "cli/abort/7", 1));
        ledger.append(new LedgerEntry("history-attempts-v42", 3, t0.plusSeconds(70), LedgerEntry.Type.ROLLED_BACK,
                "start", 0, 2, "execution ABORTED: p95 looks wrong", null, "cleanup", 1));
        LedgerEntry kept = new LedgerEntry("history-attempts-v42", 4, t0.plusSeconds(80), LedgerEntry.Type.INCOMPLETE,
                "start", 0, 2, "lock kept: eu-west-1 routes version 41 + {42=0.05}", null, "cleanup#lock-kept", 3);
        // Committed with the state item but not yet copied to the ledger table: only Ledger.complete shows it.
        store.update(state.withStatus(RolloutStatus.ROLLED_BACK, 2).withLastEntry(kept));

        CliRun history = CliRun.withEnv(env(), "history", "history-attempts-v42");

        assertThat(history.exitCode()).as(history.err()).isZero();
        assertThat(history.out()).contains("(4 entries)")
                .containsPattern("\\n +2 +\\S+ +ABORT_REQUESTED +start +0\\.00% +1  p95 looks wrong\\n")
                .containsPattern("\\n +4 +\\S+ +INCOMPLETE +start +0\\.00% +2  lock kept: eu-west-1 routes version 41 \\+ \\{42=0\\.05\\} \\(attempt 3\\)")
                .doesNotContain("attempt 1");
        JsonNode json = Json.MAPPER.readTree(CliRun.withEnv(env(), "history", "history-attempts-v42", "--json").out());
        assertThat(json).hasSize(4);
        assertThat(json.get(1).path("token").asText()).isEqualTo("cli/abort/7");
        assertThat(json.get(1).path("attempt").asInt()).isEqualTo(1);
        assertThat(json.get(3).path("token").asText()).isEqualTo("cleanup#lock-kept");
        assertThat(json.get(3).path("attempt").asInt()).isEqualTo(3);
        Map<String, String> noMachine = env();
        noMachine.remove("RAG_CANARY_STATE_MACHINE_ARN");
        assertThat(CliRun.withEnv(noMachine, "status", "history-attempts-v42").out()).contains("last ledger entry #4");
    }

    @Test
    void statusAndHistoryReadTheStateItemAndTheLedger() throws Exception {
        RolloutRequest plan = RolloutRequestParser.parse(Files.readString(CliRun.repoRoot().resolve("events/start-rollout.json"))
                .replace("rag-answer-live-v42", "status-v42").replace("\"rag-answer\"", "\"status-fn\""));
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), TABLE);
        DynamoDbLedger ledger = new DynamoDbLedger(DYNAMO.client(), TABLE);
        RolloutState state = store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), Instant.parse("2026-11-26T10:00:00Z")));
        Map<String, Double> regionWeights = new java.util.LinkedHashMap<>();
        regionWeights.put("us-east-1", 0.01);
        regionWeights.put("eu-west-1", 0.0);
        Instant t0 = Instant.parse("2026-11-26T10:00:00Z");
        ledger.append(new LedgerEntry("status-v42", 1, t0, LedgerEntry.Type.STARTED, "start", 0, 1, "control version 41, canary version 42", null, null, 1));
        ledger.append(new LedgerEntry("status-v42", 2, t0.plusSeconds(60), LedgerEntry.Type.WEIGHT_SET, "one", 0.01, 1, "stage one at weight 0.01", null, null, 1));
        Verdict verdict = GateEngine.standard().evaluate(plan.stage("one").orElseThrow(), plan.thresholds(),
                EvidenceParser.parse(Files.readString(CliRun.repoRoot().resolve("events/evidence/p95-regression-stage-one.json"))));
        LedgerEntry verdictEntry = new LedgerEntry("status-v42", 3, t0.plusSeconds(1900), LedgerEntry.Type.VERDICT,
                "one", 0.01, 1, verdict.reason(), Json.MAPPER.valueToTree(verdict), "look-1", 1);
        ledger.append(verdictEntry);
        store.update(state.withStage("one", 0.01, regionWeights).withLastEntry(verdictEntry));
        sfn.then(SfnStub.ok(describe("status-v42", "RUNNING")))
                .then(SfnStub.ok("{\"events\":[]}"));

        CliRun status = CliRun.withEnv(env(), "status", "status-v42");

        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("rollout status-v42 on status-fn:live  ACTIVE")
                .contains("stage one, canary weight 1.00% (us-east-1 1.00%, eu-west-1 0.00%), epoch 1")
                .contains("control version 41, canary version 42")
                .contains("last verdict (stage one")
                .contains("ROLLBACK")
                .containsPattern("FAIL +live.latency.p95.ratio +observed 0\\.1192 +limit <= 0.05  \\(hard stop\\)")
                .contains("execution RUNNING")
                .doesNotContain("LOCK KEPT");

        CliRun all = CliRun.withEnv(env(), "status");
        assertThat(all.exitCode()).isZero();
        assertThat(all.out()).containsPattern("status-v42 +status-fn:live +ACTIVE +stage one +canary +1.00%");

        CliRun history = CliRun.withEnv(env(), "history", "status-v42");
        assertThat(history.exitCode()).as(history.err()).isZero();
        assertThat(history.out()).contains("ledger of rollout status-v42 (3 entries)").contains("STARTED")
                .contains("WEIGHT_SET").contains("VERDICT").contains("live.latency.p95.ratio");

        JsonNode json = Json.MAPPER.readTree(CliRun.withEnv(env(), "history", "status-v42", "--json").out());
        assertThat(json).hasSize(3);
        assertThat(json.get(2).get("detail").get("decision").asText()).isEqualTo("ROLLBACK");
        assertThat(json.get(0).get("at").asText()).isEqualTo("2026-11-26T10:00:00Z");
    }

    @Test
    void statusReadsTheLastVerdictFromTheExecutionWhenTheLedgerHasNone() throws Exception {
        RolloutRequest plan = RolloutRequestParser.parse(Files.readString(CliRun.repoRoot().resolve("events/start-rollout.json"))
                .replace("rag-answer-live-v42", "history-v42").replace("\"rag-answer\"", "\"history-fn\""));
        new DynamoDbRolloutStore(DYNAMO.client(), TABLE).acquire(RolloutState.initial(plan, "41", null, Step.first("start"), Instant.parse("2026-11-26T10:00:00Z")));
        new DynamoDbLedger(DYNAMO.client(), TABLE).append(new LedgerEntry("history-v42", 1, Instant.parse("2026-11-26T10:00:00Z"),
                LedgerEntry.Type.STARTED, "start", 0, 1, "control version 41, canary version 42", null, null, 1));
        Verdict verdict = GateEngine.standard().evaluate(plan.stage("one").orElseThrow(), plan.thresholds(),
                EvidenceParser.parse(Files.readString(CliRun.repoRoot().resolve("events/evidence/p95-regression-stage-one.json"))));
        String stageOutput = Json.compact(Map.of("verdict", verdict, "evidenceKey", "rollouts/history-v42/gate/one/look-0.json"));
        String described = Json.compact(Map.of("Status", "SUCCEEDED", "Output", stageOutput));
        sfn.then(SfnStub.ok(describe("history-v42", "RUNNING")))
                .then(SfnStub.ok("{\"events\":[{\"timestamp\":1764158500,\"type\":\"TaskSucceeded\",\"id\":50,"
                        + "\"taskSucceededEventDetails\":{\"resourceType\":\"states\",\"resource\":\"startExecution.sync:2\","
                        + "\"output\":" + Json.compact(described) + "}}]}"))
                .then(SfnStub.ok("{\"events\":[]}"));

        CliRun status = CliRun.withEnv(env(), "status", "history-v42");

        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("last verdict (stage one, from the execution history):")
                .containsPattern("FAIL +live.latency.p95.ratio +observed 0\\.1192 +limit <= 0.05  \\(hard stop\\)");
        assertThat(SfnStub.targets(sfn)).containsExactly("AWSStepFunctions.DescribeExecution",
                "AWSStepFunctions.GetExecutionHistory", "AWSStepFunctions.GetExecutionHistory");

        Map<String, String> noMachine = env();
        noMachine.remove("RAG_CANARY_STATE_MACHINE_ARN");
        assertThat(CliRun.withEnv(noMachine, "status", "history-v42").out()).contains("no verdict in the ledger");
    }

    @Test
    void statusAndHistoryOfAnUnknownRolloutExitTwo() {
        CliRun status = CliRun.withEnv(env(), "status", "never-started");
        assertThat(status.exitCode()).isEqualTo(2);
        assertThat(status.err()).contains("no rollout never-started in table rollouts");

        CliRun history = CliRun.withEnv(env(), "history", "never-started");
        assertThat(history.exitCode()).isEqualTo(2);
        assertThat(history.err()).contains("no ledger entries for rollout never-started");

        CliRun release = CliRun.withEnv(env(), "release", "never-started", "--reason", "x");
        assertThat(release.exitCode()).isEqualTo(2);
        assertThat(release.err()).contains("no rollout never-started in table rollouts");
        assertThat(sfn.requests()).isEmpty();

        Map<String, String> noTable = env();
        noTable.remove("ROLLOUTS_TABLE");
        assertThat(CliRun.withEnv(noTable, "history", "x").err()).contains("--table").contains("ROLLOUTS_TABLE");
    }

    @Test
    void releaseExplainsItselfAndNeedsAReason() {
        CliRun help = CliRun.withEnv(env(), "release", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--reason=TEXT").contains("--by=NAME").contains("Exit 0 released or already released");

        assertThat(CliRun.withEnv(env(), "release", "some-rollout").exitCode()).as("--reason is required").isEqualTo(2);
    }
}
