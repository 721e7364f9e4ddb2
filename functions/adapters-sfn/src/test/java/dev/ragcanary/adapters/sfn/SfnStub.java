package dev.ragcanary.adapters.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.aws.StubAwsServer.Request;
import dev.ragcanary.aws.StubAwsServer.Response;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Step Functions speaks JSON 1.0: the operation is the X-Amz-Target header, errors carry {@code __type}. */
public final class SfnStub {
    private static final Map<String, String> JSON_1_0 = Map.of("Content-Type", "application/x-amz-json-1.0");

    private SfnStub() {
    }

    public static Response ok(String json) {
        return new Response(200, JSON_1_0, json);
    }

    /** A Step Functions error as the service sends it, e.g. type {@code com.amazonaws.swf.service.v2.model#TaskTimedOut}. */
    public static Response error(int status, String type, String message) {
        return new Response(status, JSON_1_0, Json.compact(Map.of("__type", type, "message", message)));
    }

    /** e.g. {@code AWSStepFunctions.StartExecution} */
    public static String target(Request request) {
        return request.header("X-Amz-Target");
    }

    public static List<String> targets(StubAwsServer stub) {
        return stub.requests().stream().map(SfnStub::target).toList();
    }

    public static JsonNode body(Request request) {
        try {
            return Json.MAPPER.readTree(request.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
