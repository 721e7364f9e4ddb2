package dev.ragcanary.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import java.util.Map;

/**
 * The warm-up ping: {@code {"source": "rag-canary.warm"}} (optionally with a {@code body} object for the routed
 * function), sent by the stack's EventBridge Scheduler schedule invoking the router directly. Only a principal allowed
 * {@code lambda:InvokeFunction} on the router can send it: API Gateway and Function URLs always deliver the v2 event
 * shape (a {@code requestContext}, the client's body as a string), so no HTTP request is ever a ping.
 */
final class WarmPing {
    static final String SOURCE = "rag-canary.warm";
    static final String PATH = "/warm-up";

    private WarmPing() {
    }

    static boolean matches(JsonNode received) {
        return received instanceof ObjectNode ping && !ping.has("requestContext")
                && SOURCE.equals(ping.path("source").asText());
    }

    /** The request the routed function receives for a ping: an HTTP API v2 event with {@code x-warm: true}. */
    static HttpEvent event(JsonNode ping) {
        JsonNode pingBody = ping.get("body");
        String body = pingBody != null && pingBody.isObject() ? Json.compact(pingBody) : "{}";
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("version", "2.0").put("routeKey", "$default").put("rawPath", PATH).put("rawQueryString", "");
        event.putObject("headers").put(HttpEvent.WARM_HEADER, "true").put("content-type", "application/json");
        event.putObject("requestContext").put("routeKey", "$default").put("stage", "$default")
                .putObject("http").put("method", "POST").put("path", PATH);
        event.put("body", body).put("isBase64Encoded", false);
        return new HttpEvent(event, Map.of(HttpEvent.WARM_HEADER, "true"), body, false, CallerIdentity.NONE);
    }
}
