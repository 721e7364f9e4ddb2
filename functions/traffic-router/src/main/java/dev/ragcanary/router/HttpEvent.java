package dev.ragcanary.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.StrictJson;
import dev.ragcanary.core.traffic.RouteRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One incoming HTTP API v2 / Function URL event, read without throwing: what cannot be read marks the event
 * malformed, so the request is still served and logged (as unparseable) instead of failing.
 *
 * <p>The headers the router owns are replaced on reading, in {@code headers} and in {@code raw} (which goes to the
 * routed function): a client's {@code x-warm} is dropped, and with identity from the authorizer the tenant and user
 * headers carry the verified identity or nothing.
 *
 * @param raw       the event as received, its router-owned headers replaced; an empty object when it was not a
 *                  JSON object
 * @param headers   header name (lower case) -> value; empty when the headers could not be read
 * @param body      the body text, base64-decoded when so flagged; null when absent or not decodable
 * @param malformed the event is not an object, its headers are not an object of scalar values, or its body is
 *                  flagged base64 but is not
 * @param caller    the caller's identity as the front door verified it
 */
record HttpEvent(ObjectNode raw, Map<String, String> headers, String body, boolean malformed, CallerIdentity caller) {
    /** Marks a warm-up ping for the routed function; only the router sets it (see {@link WarmPing}). */
    static final String WARM_HEADER = "x-warm";
    /** Lambda's synchronous invocation payload limit: no body the routed function could be given is larger. */
    private static final int MAX_BODY_BYTES = 6 * 1024 * 1024;

    /** @param received the parsed event; null (or anything but an object) when the input was not an event */
    static HttpEvent read(JsonNode received, IdentitySettings identity) {
        if (!(received instanceof ObjectNode event)) {
            return new HttpEvent(Json.MAPPER.createObjectNode(), Map.of(), null, true, CallerIdentity.NONE);
        }
        Map<String, String> headers;
        boolean malformed = false;
        try {
            headers = headers(event.get("headers"));
        } catch (IllegalArgumentException malformedHeaders) {
            headers = new HashMap<>();
            malformed = true;
        }
        CallerIdentity caller = identity.read(event, headers);
        replaceRouterHeaders(event, headers, identity, caller);
        if (malformed) {
            return new HttpEvent(event, headers, null, true, caller);
        }
        try {
            return new HttpEvent(event, headers, body(event), false, caller);
        } catch (IllegalArgumentException notBase64) {
            return new HttpEvent(event, headers, null, true, caller);
        }
    }

    private static void replaceRouterHeaders(ObjectNode event, Map<String, String> headers, IdentitySettings identity,
                                             CallerIdentity caller) {
        boolean fromAuthorizer = identity.source() == IdentitySettings.Source.AUTHORIZER;
        Set<String> owned = fromAuthorizer
                ? Set.of(WARM_HEADER, identity.tenantHeader(), identity.userHeader()) : Set.of(WARM_HEADER);
        ObjectNode raw = event.get("headers") instanceof ObjectNode object ? object : event.putObject("headers");
        List<String> sent = new ArrayList<>();
        raw.fieldNames().forEachRemaining(name -> {
            if (owned.contains(name.toLowerCase(Locale.ROOT))) {
                sent.add(name);
            }
        });
        raw.remove(sent);
        headers.keySet().removeAll(owned);
        if (fromAuthorizer) {
            putIfPresent(raw, headers, identity.tenantHeader(), caller.tenant());
            putIfPresent(raw, headers, identity.userHeader(), caller.user());
        }
    }

    private static void putIfPresent(ObjectNode raw, Map<String, String> headers, String name, String value) {
        if (value != null) {
            raw.put(name, value);
            headers.put(name, value);
        }
    }

    /** The body as JSON, for a sticky key held in it: null without a body. */
    JsonNode bodyJson() {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return StrictJson.read("the body", body, MAX_BODY_BYTES);
        } catch (InvalidInputException unreadable) {
            // A duplicated key could name two sticky keys: which one is meant is unknown, so it is not guessed.
            throw new RouteRequest.UnparseableRequestException(unreadable.problems().get(0).toString());
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
