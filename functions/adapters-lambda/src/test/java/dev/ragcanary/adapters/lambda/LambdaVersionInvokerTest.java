package dev.ragcanary.adapters.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.VersionInvoker.Invocation;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LambdaVersionInvokerTest {
    private final StubLambdaServer stub = new StubLambdaServer();
    private final LambdaVersionInvoker invoker = new LambdaVersionInvoker(stub.client(), "rag-answer");
    private final byte[] event = "{\"rawPath\":\"/answer\",\"body\":\"{\\\"q\\\":\\\"hi\\\"}\"}".getBytes(StandardCharsets.UTF_8);

    @AfterEach
    void stop() {
        stub.close();
    }

    @Test
    void invokesTheVersionByQualifierAndReturnsItsResponseUnchanged() {
        stub.respond(200, "{\"statusCode\":200,\"body\":\"answer\"}", "X-Amz-Executed-Version", "42");

        Invocation invocation = invoker.invoke("42", event);

        assertThat(invocation.statusCode()).isEqualTo(200);
        assertThat(new String(invocation.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"statusCode\":200,\"body\":\"answer\"}");
        assertThat(invocation.executedVersion()).isEqualTo("42");
        assertThat(invocation.failed()).isFalse();
        StubLambdaServer.Request request = stub.requests.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.pathAndQuery()).isEqualTo("/2015-03-31/functions/rag-answer/invocations?Qualifier=42");
        assertThat(request.header("X-Amz-Invocation-Type")).isEqualTo("RequestResponse");
        assertThat(request.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(event);
    }

    @Test
    void aFunctionErrorComesBackAsAFailedInvocation() {
        stub.respond(200, "{\"errorMessage\":\"boom\",\"errorType\":\"UpstreamTimeout\"}",
                "X-Amz-Function-Error", "Unhandled", "X-Amz-Executed-Version", "42");

        Invocation invocation = invoker.invoke("42", event);

        assertThat(invocation.failed()).isTrue();
        assertThat(invocation.functionError()).isEqualTo("Unhandled");
    }

    @Test
    void aThrottledInvokeIsAFailedInvocationWithStatus429() {
        for (int i = 0; i < 5; i++) {
            stub.respond(429, "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":\"User\","
                    + "\"message\":\"Rate Exceeded.\"}", "x-amzn-ErrorType", "TooManyRequestsException");
        }

        Invocation invocation = invoker.invoke("live", event);

        assertThat(invocation.statusCode()).isEqualTo(429);
        assertThat(invocation.functionError()).isEqualTo("TooManyRequestsException");
        assertThat(Json.parse("body", new String(invocation.payload(), StandardCharsets.UTF_8)).get("errorMessage").asText())
                .isEqualTo("Rate Exceeded.");
    }

    @Test
    void shadowMirroringIsAnAsynchronousEventInvoke() {
        stub.respond(202, "");

        invoker.invokeAsync("42", event);

        StubLambdaServer.Request request = stub.requests.get(0);
        assertThat(request.pathAndQuery()).isEqualTo("/2015-03-31/functions/rag-answer/invocations?Qualifier=42");
        assertThat(request.header("X-Amz-Invocation-Type")).isEqualTo("Event");
    }
}
