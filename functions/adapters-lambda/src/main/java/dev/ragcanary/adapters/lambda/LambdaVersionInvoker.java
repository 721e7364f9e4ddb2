package dev.ragcanary.adapters.lambda;

import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.VersionInvoker;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/**
 * {@link VersionInvoker} on Lambda Invoke with a Qualifier. A failed call (throttled, missing version, service error)
 * comes back as an invocation with the HTTP status and a JSON error body, so the router can answer the client.
 */
public final class LambdaVersionInvoker implements VersionInvoker {
    private final LambdaClient lambda;
    private final String functionName;

    public LambdaVersionInvoker(LambdaClient lambda, String functionName) {
        this.lambda = lambda;
        this.functionName = functionName;
    }

    @Override
    public Invocation invoke(String qualifier, byte[] payload) {
        try {
            InvokeResponse response = lambda.invoke(b -> b.functionName(functionName).qualifier(qualifier)
                    .invocationType(InvocationType.REQUEST_RESPONSE).payload(SdkBytes.fromByteArrayUnsafe(payload)));
            return new Invocation(response.statusCode(), response.payload().asByteArrayUnsafe(),
                    response.functionError(), response.executedVersion());
        } catch (LambdaException e) {
            String code = e.awsErrorDetails() == null ? "LambdaException" : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
            byte[] body = Json.compact(Map.of("errorType", code, "errorMessage", message == null ? "" : message))
                    .getBytes(StandardCharsets.UTF_8);
            return new Invocation(e.statusCode(), body, code, null);
        }
    }

    @Override
    public void invokeAsync(String qualifier, byte[] payload) {
        lambda.invoke(b -> b.functionName(functionName).qualifier(qualifier)
                .invocationType(InvocationType.EVENT).payload(SdkBytes.fromByteArrayUnsafe(payload)));
    }
}
