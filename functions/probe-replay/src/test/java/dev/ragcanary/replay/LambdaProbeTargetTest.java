package dev.ragcanary.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.ProbeTarget;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

class LambdaProbeTargetTest {
    private static final JsonNode PAYLOAD = Json.parse("payload", "{\"question\":\"How do I roll back?\",\"seed\":2,\"probeId\":\"q039\"}");
    private static final String RESPONSE = """
            {"answer":"a","retrieved":[{"sectionId":"manual-rollback","text":"t","score":3.1}],
             "index":{"INDEX_HASH":"0x1","metric":"bm25","analyzer":"english"},"cache":{"prefix":"v42:","hit":false}}""";

    private final StubAwsServer stub = new StubAwsServer();
    private final LambdaClient lambda = AwsClients.build(LambdaClient.builder(), stub.endpoint(), Region.US_EAST_1,
            o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
    private final LambdaProbeTarget target = new LambdaProbeTarget(lambda, "rag-answer");

    @AfterEach
    void close() {
        stub.close();
    }

    private static StubAwsServer.Response error(int status, String type, String body) {
        return new StubAwsServer.Response(status, Map.of("Content-Type", "application/json", "x-amzn-ErrorType", type,
                "x-amzn-RequestId", "a1b2c3"), body);
    }

    @Test
    void invokesTheVersionByQualifierWithTheSeedInThePayload() {
        stub.then(new StubAwsServer.Response(200, Map.of("Content-Type", "application/json", "X-Amz-Executed-Version", "42"), RESPONSE));

        ProbeTarget.Invocation inv = target.invoke("42", PAYLOAD, Duration.ofSeconds(5));

        assertThat(inv.failed()).isFalse();
        assertThat(inv.response().at("/retrieved/0/sectionId").asText()).isEqualTo("manual-rollback");
        assertThat(inv.latencyMs()).isPositive();
        StubAwsServer.Request request = stub.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/2015-03-31/functions/rag-answer/invocations");
        assertThat(request.query()).isEqualTo("Qualifier=42");
        assertThat(request.header("x-amz-invocation-type")).isNull();   // RequestResponse is the default
        assertThat(Json.parse("body", request.body())).isEqualTo(PAYLOAD);
    }

    @Test
    void aFunctionErrorBecomesAFailureClassFromItsErrorType() {
        stub.then(new StubAwsServer.Response(200, Map.of("Content-Type", "application/json", "X-Amz-Function-Error", "Unhandled"),
                "{\"errorMessage\":\"injected upstream timeout for seed 2\",\"errorType\":\"dev.ragcanary.sample.SampleRag$UpstreamTimeoutException\",\"stackTrace\":[]}"));

        assertThat(target.invoke("42", PAYLOAD, Duration.ofSeconds(5)).failureClass()).isEqualTo("5xx:UpstreamTimeoutException");
    }

    @Test
    void aTimeoutReportedByTheRuntimeKeepsItsErrorType() {
        stub.then(new StubAwsServer.Response(200, Map.of("X-Amz-Function-Error", "Unhandled"),
                "{\"errorMessage\":\"2026-01-01T00:00:00.000Z abc Task timed out after 3.00 seconds\",\"errorType\":\"Sandbox.Timedout\"}"));

        assertThat(target.invoke("42", PAYLOAD, Duration.ofSeconds(5)).failureClass()).isEqualTo("5xx:Timedout");
    }

    @Test
    void throttlingIsThrownSoTheReplayBacksOff() {
        stub.then(error(429, "TooManyRequestsException",
                "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}"));

        assertThatThrownBy(() -> target.invoke("42", PAYLOAD, Duration.ofSeconds(5)))
                .isInstanceOf(ProbeTarget.ThrottledException.class).hasMessageContaining("Rate Exceeded.");
        assertThat(stub.requests()).hasSize(1);
    }

    @Test
    void anUnknownVersionIsAClientFailure() {
        stub.then(error(404, "ResourceNotFoundException",
                "{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:us-east-1:123456789012:function:rag-answer:99\"}"));

        assertThat(target.invoke("99", PAYLOAD, Duration.ofSeconds(5)).failureClass()).isEqualTo("4xx:ResourceNotFoundException");
    }

    @Test
    void aServiceErrorIsAServerFailure() {
        stub.then(error(500, "ServiceException", "{\"Type\":\"Service\",\"message\":\"Internal error\"}"));

        assertThat(target.invoke("42", PAYLOAD, Duration.ofSeconds(5)).failureClass()).isEqualTo("5xx:ServiceException");
    }

    @Test
    void aSlowCallTimesOut() {
        stub.then(r -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return StubAwsServer.Response.json(200, RESPONSE);
        });

        assertThat(target.invoke("42", PAYLOAD, Duration.ofMillis(200)).failureClass()).isEqualTo("timeout");
    }

    @Test
    void aBodyThatIsNotJsonIsPassedOnForTheContractCheck() {
        stub.then(new StubAwsServer.Response(200, Map.of(), "Internal Server Error"));

        ProbeTarget.Invocation inv = target.invoke("42", PAYLOAD, Duration.ofSeconds(5));
        assertThat(inv.failed()).isFalse();
        assertThat(inv.response().isTextual()).isTrue();
    }
}
