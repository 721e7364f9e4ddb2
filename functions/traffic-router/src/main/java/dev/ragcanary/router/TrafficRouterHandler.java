package dev.ragcanary.router;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Lambda entry point behind a Function URL or an API Gateway HTTP API (payload format 2.0). */
public final class TrafficRouterHandler implements RequestStreamHandler {
    private final TrafficRouter router;

    public TrafficRouterHandler() {
        this(DependencyFactory.fromEnvironment().trafficRouter());
    }

    public TrafficRouterHandler(TrafficRouter router) {
        this.router = router;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Json.MAPPER.writeValue(output, router.handle(readEvent(input)));
    }

    /** The event, or null when the input is not JSON: the router serves and logs that as unparseable too. */
    private static JsonNode readEvent(InputStream input) throws IOException {
        try {
            return Json.MAPPER.readTree(input);
        } catch (JsonProcessingException notJson) {
            return null;
        }
    }
}
