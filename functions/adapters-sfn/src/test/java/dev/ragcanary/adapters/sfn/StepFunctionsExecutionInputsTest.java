package dev.ragcanary.adapters.sfn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.aws.StubAwsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.SfnException;

class StepFunctionsExecutionInputsTest {
    private static final String EXECUTION = StepFunctionsRolloutExecutionsTest.EXECUTION;

    private final StubAwsServer stub = new StubAwsServer();
    private final SfnClient sfn = AwsClients.build(SfnClient.builder(), stub.endpoint(), Region.EU_WEST_1,
            AwsClients.CONTROLLER_CALLS);
    private final StepFunctionsExecutionInputs inputs = new StepFunctionsExecutionInputs(sfn);

    @AfterEach
    void close() {
        sfn.close();
        stub.close();
    }

    @Test
    void readsTheWholeStartInputOfAnExecution() {
        stub.then(SfnStub.ok("{\"executionArn\":\"" + EXECUTION + "\",\"name\":\"rag-answer-live-v42\","
                + "\"stateMachineArn\":\"" + StepFunctionsRolloutExecutionsTest.MACHINE + "\",\"status\":\"ABORTED\","
                + "\"startDate\":1764150000,\"stopDate\":1764160000,"
                + "\"input\":\"{\\\"rolloutId\\\":\\\"rag-answer-live-v42\\\"}\",\"inputDetails\":{\"included\":true}}"));

        assertThat(inputs.startInput(EXECUTION)).contains("{\"rolloutId\":\"rag-answer-live-v42\"}");
        assertThat(SfnStub.targets(stub)).containsExactly("AWSStepFunctions.DescribeExecution");
        assertThat(SfnStub.body(stub.requests().get(0)).path("executionArn").asText()).isEqualTo(EXECUTION);
    }

    @Test
    void anExecutionThatDoesNotExistHasNoInput() {
        stub.then(SfnStub.error(400, "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist",
                "Execution Does Not Exist: '" + EXECUTION + "'"));

        assertThat(inputs.startInput(EXECUTION)).isEmpty();
    }

    @Test
    void aThrottledLookupFailsForItsCallerToRetry() {
        stub.then(SfnStub.error(400, "ThrottlingException", "Rate exceeded"));

        assertThatThrownBy(() -> inputs.startInput(EXECUTION)).isInstanceOf(SfnException.class)
                .hasMessageContaining("Rate exceeded");
    }
}
