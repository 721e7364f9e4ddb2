package dev.ragcanary.router;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/** Lambda entry point behind a Function URL or an API Gateway HTTP API (payload format 2.0). */
public final class TrafficRouterHandler implements RequestStreamHandler {
    private final TrafficRouter router;

    public TrafficRouterHandler() {
        this(DependencyFactory.trafficRouter(System.getenv()));
    }

    public TrafficRouterHandler(TrafficRouter router) {
        this.router = router;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event = Json.MAPPER.readTree(input);
        ObjectNode response = event != null && event.isObject()
                ? router.handle((ObjectNode) event)
                : badRequest("expected an HTTP API v2 / Function URL event object");
        Json.MAPPER.writeValue(output, response);
    }

    private static ObjectNode badRequest(String message) {
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("statusCode", 400);
        response.putObject("headers").put("content-type", "application/json");
        response.put("body", Json.compact(Map.of("message", message)));
        return response;
    }
}
