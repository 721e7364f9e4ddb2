package dev.ragcanary.adapters.sfn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.RolloutExecutions.Execution;
import dev.ragcanary.core.ports.RolloutExecutions.OperatorException;
import dev.ragcanary.core.ports.RolloutExecutions.PendingApproval;
import dev.ragcanary.core.ports.RolloutExecutions.Started;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

class StepFunctionsRolloutExecutionsTest {
    static final String MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:RagCanaryRollout";
    static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:RagCanaryRollout:rag-answer-live-v42";

    final StubAwsServer stub = new StubAwsServer();
    final SfnClient sfn = AwsClients.build(SfnClient.builder(), stub.endpoint(), Region.EU_WEST_1);
    final StepFunctionsRolloutExecutions executions = new StepFunctionsRolloutExecutions(sfn, MACHINE);

    @AfterEach
    void close() {
        sfn.close();
        stub.close();
    }

    @Test
    void startsAnExecutionNamedAfterTheRollout() {
        stub.then(SfnStub.ok("{\"executionArn\":\"" + EXECUTION + "\",\"startDate\":1764158400.5}"));

        Started started = executions.start("rag-answer-live-v42", "{\"rolloutId\":\"rag-answer-live-v42\"}");

        assertThat(started.alreadyExisted()).isFalse();
        assertThat(started.execution().executionArn()).isEqualTo(EXECUTION);
        assertThat(started.execution().startDate()).isEqualTo(Instant.ofEpochMilli(1764158400500L));
        StubAwsServer.Request request = stub.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.header("Content-Type")).isEqualTo("application/x-amz-json-1.0");
        assertThat(SfnStub.body(request)).isEqualTo(Json.MAPPER.valueToTree(Map.of("stateMachineArn", MACHINE,
                "name", "rag-answer-live-v42", "input", "{\"rolloutId\":\"rag-answer-live-v42\"}")));
    }

    @Test
    void aTakenNameReportsTheExistingExecutionInsteadOfStartingAnother() {
        stub.then(SfnStub.error(400, "com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists",
                        "Execution Already Exists: '" + EXECUTION + "'"))
                .then(SfnStub.ok("{\"executionArn\":\"" + EXECUTION + "\",\"name\":\"rag-answer-live-v42\","
                        + "\"stateMachineArn\":\"" + MACHINE + "\",\"status\":\"RUNNING\",\"startDate\":1764150000,\"input\":\"{}\"}"));

        Started started = executions.start("rag-answer-live-v42", "{\"rolloutId\":\"rag-answer-live-v42\",\"edited\":true}");

        assertThat(started.alreadyExisted()).isTrue();
        assertThat(started.execution().running()).isTrue();
        assertThat(started.execution().startDate()).isEqualTo(Instant.ofEpochSecond(1764150000));
        assertThat(SfnStub.targets(stub)).containsExactly("AWSStepFunctions.StartExecution", "AWSStepFunctions.DescribeExecution");
        assertThat(SfnStub.body(stub.requests().get(1))).isEqualTo(Json.MAPPER.valueToTree(Map.of("executionArn", EXECUTION)));
    }

    @Test
    void describeOfAnUnknownNameIsEmpty() {
        stub.then(SfnStub.error(400, "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist",
                "Execution Does Not Exist: '" + EXECUTION + "'"));

        assertThat(executions.describe("rag-answer-live-v42")).isEmpty();
    }

    @Test
    void describesAnExecutionByItsArnWithItsInput() {
        String owner = "arn:aws:states:eu-west-1:123456789012:execution:RagCanaryRollout:pipeline-7f3a";
        stub.then(SfnStub.ok("{\"executionArn\":\"" + owner + "\",\"name\":\"pipeline-7f3a\",\"stateMachineArn\":\""
                + MACHINE + "\",\"status\":\"FAILED\",\"startDate\":1764150000,\"stopDate\":1764160000,"
                + "\"input\":\"{\\\"rolloutId\\\":\\\"rag-answer-live-v42\\\"}\"}"));

        Execution execution = executions.describeByArn(owner).orElseThrow();

        assertThat(SfnStub.body(stub.requests().get(0))).isEqualTo(Json.MAPPER.valueToTree(Map.of("executionArn", owner)));
        assertThat(execution.name()).isEqualTo("pipeline-7f3a");
        assertThat(execution.status()).isEqualTo("FAILED");
        assertThat(execution.input()).isEqualTo("{\"rolloutId\":\"rag-answer-live-v42\"}");
    }

    @Test
    void findsTheWaitingApprovalTokenInTheHistoryAcrossPages() throws Exception {
        String parameters = Json.compact(Map.of("TopicArn", "arn:aws:sns:eu-west-1:123456789012:approvals",
                "Message", Map.of("kind", "stage", "stage", "fifty", "rolloutId", "rag-answer-live-v42", "taskToken", "TOKEN-1")));
        stub.then(SfnStub.ok("{\"nextToken\":\"page-2\",\"events\":["
                        + "{\"timestamp\":1764158500,\"type\":\"TaskSubmitted\",\"id\":41,\"previousEventId\":40,"
                        + "\"taskSubmittedEventDetails\":{\"resourceType\":\"sns\",\"resource\":\"publish.waitForTaskToken\"}}]}"))
                .then(SfnStub.ok("{\"events\":["
                        + "{\"timestamp\":1764158499,\"type\":\"TaskScheduled\",\"id\":40,\"previousEventId\":39,"
                        + "\"taskScheduledEventDetails\":{\"resourceType\":\"sns\",\"resource\":\"publish.waitForTaskToken\","
                        + "\"region\":\"eu-west-1\",\"parameters\":" + Json.compact(parameters) + "}},"
                        + "{\"timestamp\":1764158498,\"type\":\"TaskStateEntered\",\"id\":39,\"previousEventId\":38,"
                        + "\"stateEnteredEventDetails\":{\"name\":\"Ask a person to approve the stage\",\"input\":\"{}\"}}]}"));

        Optional<PendingApproval> pending = executions.pendingApproval("rag-answer-live-v42");

        assertThat(pending).isPresent();
        assertThat(pending.get().taskToken()).isEqualTo("TOKEN-1");
        assertThat(pending.get().stateName()).isEqualTo("Ask a person to approve the stage");
        assertThat(Json.MAPPER.readTree(pending.get().message()).get("stage").asText()).isEqualTo("fifty");
        assertThat(SfnStub.body(stub.requests().get(0))).isEqualTo(Json.MAPPER.valueToTree(Map.of("executionArn", EXECUTION,
                "reverseOrder", true, "maxResults", 100, "includeExecutionData", true)));
        assertThat(SfnStub.body(stub.requests().get(1)).get("nextToken").asText()).isEqualTo("page-2");
    }

    @Test
    void anAnsweredApprovalIsNotPending() {
        stub.then(SfnStub.ok("{\"events\":["
                + "{\"timestamp\":1764158600,\"type\":\"TaskSucceeded\",\"id\":42,\"previousEventId\":41,"
                + "\"taskSucceededEventDetails\":{\"resourceType\":\"sns\",\"resource\":\"publish.waitForTaskToken\",\"output\":\"{}\"}},"
                + "{\"timestamp\":1764158499,\"type\":\"TaskScheduled\",\"id\":40,\"previousEventId\":39,"
                + "\"taskScheduledEventDetails\":{\"resourceType\":\"sns\",\"resource\":\"publish.waitForTaskToken\","
                + "\"region\":\"eu-west-1\",\"parameters\":\"{\\\"Message\\\":{\\\"taskToken\\\":\\\"OLD\\\"}}\"}}]}"));

        assertThat(executions.pendingApproval("rag-answer-live-v42")).isEmpty();
        assertThat(stub.requests()).hasSize(1);
    }

    @Test
    void readsTheLastStageVerdictFromTheHistory() throws Exception {
        String stageOutput = "{\"verdict\":{\"stage\":\"one\",\"decision\":\"ROLLBACK\",\"rules\":[]},\"evidenceKey\":\"k1\"}";
        String described = Json.compact(Map.of("ExecutionArn", "arn:stage", "Status", "SUCCEEDED", "Output", stageOutput));
        stub.then(SfnStub.ok("{\"events\":["
                + "{\"timestamp\":1764158600,\"type\":\"TaskSucceeded\",\"id\":52,"
                + "\"taskSucceededEventDetails\":{\"resourceType\":\"lambda\",\"resource\":\"invoke\",\"output\":\"{}\"}},"
                + "{\"timestamp\":1764158500,\"type\":\"TaskSucceeded\",\"id\":50,"
                + "\"taskSucceededEventDetails\":{\"resourceType\":\"states\",\"resource\":\"startExecution.sync:2\","
                + "\"output\":" + Json.compact(described) + "}}]}"));

        String result = executions.lastStageResult("rag-answer-live-v42").orElseThrow();

        assertThat(Json.MAPPER.readTree(result)).isEqualTo(Json.MAPPER.readTree(stageOutput));
        assertThat(SfnStub.body(stub.requests().get(0)).get("reverseOrder").asBoolean()).isTrue();
    }

    @Test
    void noFinishedStageMeansNoResult() {
        stub.then(SfnStub.ok("{\"events\":[{\"timestamp\":1764158499,\"type\":\"ExecutionStarted\",\"id\":1}]}"));

        assertThat(executions.lastStageResult("rag-answer-live-v42")).isEmpty();
    }

    @Test
    void answersTheTokenAndExplainsAnExpiredOne() {
        stub.then(SfnStub.ok("{}"))
                .then(SfnStub.error(400, "com.amazonaws.swf.service.v2.model#TaskTimedOut",
                        "Task Timed Out: 'Provided task does not exist anymore'"));

        executions.answer("TOKEN-1", "{\"approved\":true,\"by\":\"ana\"}");

        assertThat(SfnStub.target(stub.requests().get(0))).isEqualTo("AWSStepFunctions.SendTaskSuccess");
        assertThat(SfnStub.body(stub.requests().get(0))).isEqualTo(Json.MAPPER.valueToTree(Map.of("taskToken", "TOKEN-1",
                "output", "{\"approved\":true,\"by\":\"ana\"}")));
        assertThatThrownBy(() -> executions.answer("TOKEN-1", "{}")).isInstanceOf(OperatorException.class)
                .hasMessageContaining("no longer waiting").hasMessageContaining("TaskTimedOut");
    }

    @Test
    void stopsTheExecutionWithTheReason() {
        stub.then(SfnStub.ok("{\"stopDate\":1764158700}"));

        executions.stop("rag-answer-live-v42", "OperatorAbort", "p95 looks wrong");

        assertThat(SfnStub.target(stub.requests().get(0))).isEqualTo("AWSStepFunctions.StopExecution");
        assertThat(SfnStub.body(stub.requests().get(0))).isEqualTo(Json.MAPPER.valueToTree(Map.of("executionArn", EXECUTION,
                "error", "OperatorAbort", "cause", "p95 looks wrong")));
    }

    @Test
    void listsRunningExecutions() {
        stub.then(SfnStub.ok("{\"executions\":[{\"executionArn\":\"" + EXECUTION + "\","
                + "\"stateMachineArn\":\"" + MACHINE + "\",\"name\":\"rag-answer-live-v42\",\"status\":\"RUNNING\",\"startDate\":1764150000}]}"));

        List<Execution> running = executions.running();

        assertThat(running).extracting(Execution::name).containsExactly("rag-answer-live-v42");
        assertThat(SfnStub.body(stub.requests().get(0))).isEqualTo(Json.MAPPER.valueToTree(Map.of("stateMachineArn", MACHINE,
                "statusFilter", "RUNNING", "maxResults", 100)));
    }

    @Test
    void refusesSomethingThatIsNotAStateMachineArnAndReadsTheRegionFromOne() {
        assertThatThrownBy(() -> new StepFunctionsRolloutExecutions(sfn, "RagCanaryRollout"))
                .isInstanceOf(OperatorException.class).hasMessageContaining("not a state machine ARN");
        assertThat(StepFunctionsRolloutExecutions.regionOf(MACHINE)).isEqualTo(Region.EU_WEST_1);
    }
}
