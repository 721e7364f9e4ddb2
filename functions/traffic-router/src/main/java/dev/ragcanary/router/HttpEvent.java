package dev.ragcanary.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.traffic.RouteRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One incoming HTTP API v2 / Function URL event, read without throwing: what cannot be read marks the event
 * malformed, so the request is still served and logged (as unparseable) instead of failing.
 *
 * @param raw       the event as received; an empty object when it was not a JSON object
 * @param headers   header name (lower case) -> value; empty when the headers could not be read
 * @param body      the body text, base64-decoded when so flagged; null when absent or not decodable
 * @param malformed the event is not an object, its headers are not an object of scalar values, or its body is
 *                  flagged base64 but is not
 */
record HttpEvent(ObjectNode raw, Map<String, String> headers, String body, boolean malformed) {

    /** @param received the parsed event; null (or anything but an object) when the input was not an event */
    static HttpEvent read(JsonNode received) {
        if (!(received instanceof ObjectNode event)) {
            return new HttpEvent(Json.MAPPER.createObjectNode(), Map.of(), null, true);
        }
        Map<String, String> headers;
        try {
            headers = headers(event.get("headers"));
        } catch (IllegalArgumentException malformedHeaders) {
            return new HttpEvent(event, Map.of(), null, true);
        }
        try {
            return new HttpEvent(event, headers, body(event), false);
        } catch (IllegalArgumentException notBase64) {
            return new HttpEvent(event, headers, null, true);
        }
    }

    /** The body as JSON, for a sticky key held in it: null without a body. */
    JsonNode bodyJson() {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (JsonProcessingException notJson) {
            throw new RouteRequest.UnparseableRequestException("the body is not JSON");
        }
    }

    /** The route key, else the path. */
    String route() {
        String routeKey = raw.path("routeKey").asText("");
        if (!routeKey.isEmpty() && !"$default".equals(routeKey)) {
            return routeKey;
        }
        return raw.path("rawPath").asText(raw.path("requestContext").path("http").path("path").asText("/"));
    }

    /** The CloudFront edge location's airport code, lower case, if a header names it. */
    String edgePop() {
        String pop = headers.getOrDefault("x-amz-cf-pop", headers.get("x-edge-pop"));
        return pop == null || pop.length() < 3 ? pop : pop.substring(0, 3).toLowerCase(Locale.ROOT);
    }

    /** Absent or null headers are no headers; a value that is not a scalar would otherwise become "" or "null". */
    private static Map<String, String> headers(JsonNode node) {
        Map<String, String> headers = new HashMap<>();
        if (node == null || node.isNull()) {
            return headers;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("headers are not an object");
        }
        for (Map.Entry<String, JsonNode> header : node.properties()) {
            JsonNode value = header.getValue();
            if (!value.isValueNode() || value.isNull()) {
                throw new IllegalArgumentException("header " + header.getKey() + " has no scalar value");
            }
            headers.put(header.getKey().toLowerCase(Locale.ROOT), value.asText());
        }
        return headers;
    }

    /** @throws IllegalArgumentException if the body is flagged base64 but is not */
    private static String body(ObjectNode event) {
        JsonNode body = event.get("body");
        if (body == null || body.isNull()) {
            return null;
        }
        if (event.path("isBase64Encoded").asBoolean(false)) {
            return new String(Base64.getDecoder().decode(body.asText()), StandardCharsets.UTF_8);
        }
        return body.isTextual() ? body.asText() : Json.compact(body);
    }
}
