package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.adapters.sfn.SfnStub;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.dynamodb.DynamoDbLedger;
import dev.ragcanary.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.testsupport.DynaliteExtension;
import java.nio.file.Files;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
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

    final StubAwsServer sfn = new StubAwsServer();

    @AfterEach
    void stop() {
        sfn.close();
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("RAG_CANARY_ENDPOINT_STATES", sfn.endpoint().toString());
        env.put("RAG_CANARY_ENDPOINT_DYNAMODB", DYNAMO.dynalite().endpoint().toString());
        env.put("RAG_CANARY_STATE_MACHINE_ARN", MACHINE);
        env.put("ROLLOUTS_TABLE", TABLE);
        env.put("USER", "ana");
        return env;
    }

    static String describe(String name, String status) {
        return "{\"executionArn\":\"" + EXECUTION + name + "\",\"name\":\"" + name + "\",\"stateMachineArn\":\"" + MACHINE
                + "\",\"status\":\"" + status + "\",\"startDate\":1764150000" + ("RUNNING".equals(status) ? "" : ",\"stopDate\":1764160000")
                + ",\"input\":\"{}\"}";
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
        CliRun run = CliRun.withEnv(env(), "start", "functions/core/src/test/resources/start-inputs/invalid/schema-everything-wrong.json");

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
                        + "\"stateEnteredEventDetails\":{\"name\":\"Ask a person to approve the stage\"}}]}"))
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
                .containsPattern("FAIL +live.latency.p95.ratio +observed 1\\.484 +limit <= 1.25  \\(hard stop\\)")
                .contains("execution RUNNING");

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
                .containsPattern("FAIL +live.latency.p95.ratio +observed 1\\.484 +limit <= 1.25  \\(hard stop\\)");
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

        Map<String, String> noTable = env();
        noTable.remove("ROLLOUTS_TABLE");
        assertThat(CliRun.withEnv(noTable, "history", "x").err()).contains("--table").contains("ROLLOUTS_TABLE");
    }
}
