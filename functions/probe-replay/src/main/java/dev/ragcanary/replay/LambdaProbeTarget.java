package dev.ragcanary.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.ProbeTarget;
import java.io.IOException;
import java.time.Duration;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/**
 * Invokes one published version of the RAG function by qualifier (synchronous Invoke). Function errors, API errors and
 * timeouts come back as failed invocations with a failure class ({@code 5xx:UpstreamTimeout}, {@code 4xx:
 * ResourceNotFoundException}, {@code timeout}); throttling is thrown so the replay can back off. The client should be
 * built without SDK retries: the replay service owns the retry policy (throttling only).
 */
public final class LambdaProbeTarget implements ProbeTarget {
    private final LambdaClient lambda;
    private final String functionName;

    public LambdaProbeTarget(LambdaClient lambda, String functionName) {
        this.lambda = lambda;
        this.functionName = functionName;
    }

    @Override
    public Invocation invoke(String version, JsonNode payload, Duration timeout) {
        long start = System.nanoTime();
        try {
            InvokeResponse response = lambda.invoke(r -> r.functionName(functionName)
                    .qualifier(version)
                    .payload(SdkBytes.fromUtf8String(Json.compact(payload)))
                    .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
            double latency = elapsedMs(start);
            String body = response.payload() == null ? "" : response.payload().asUtf8String();
            if (response.functionError() != null) {
                return new Invocation(null, latency, "5xx:" + errorType(body, response.functionError()));
            }
            return new Invocation(readJson(body), latency, null);
        } catch (TooManyRequestsException e) {
            throw new ThrottledException(functionName + ":" + version + " throttled: " + e.awsErrorDetails().errorMessage());
        } catch (LambdaException e) {
            String code = e.awsErrorDetails() == null ? e.getClass().getSimpleName() : e.awsErrorDetails().errorCode();
            return new Invocation(null, elapsedMs(start), (e.statusCode() >= 500 ? "5xx:" : "4xx:") + code);
        } catch (ApiCallTimeoutException e) {
            return new Invocation(null, elapsedMs(start), "timeout");
        } catch (SdkClientException e) {
            return new Invocation(null, elapsedMs(start), "client:" + e.getClass().getSimpleName());
        }
    }

    /** The function's own error type from the Lambda error body ({"errorType": ..., "errorMessage": ...}). */
    private static String errorType(String body, String functionError) {
        try {
            JsonNode error = Json.MAPPER.readTree(body);
            JsonNode type = error == null ? null : error.get("errorType");
            if (type != null && type.isTextual() && !type.asText().isBlank()) {
                String name = type.asText();
                return name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
            }
        } catch (IOException e) {
            // not JSON: fall back to Lambda's own label (Unhandled / Handled)
        }
        return functionError;
    }

    /**
     * A body the strict reader refuses (not JSON, a duplicated key, too deep) is passed on as text, so the contract
     * check records it as a schema violation.
     */
    private static JsonNode readJson(String body) {
        try {
            return Contract.RAG_RESPONSE.parse(body);
        } catch (InvalidInputException unreadable) {
            return TextNode.valueOf(body);
        }
    }

    private static double elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
