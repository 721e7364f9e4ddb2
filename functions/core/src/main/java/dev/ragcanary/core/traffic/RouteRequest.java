package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the router needs from one incoming request, independent of the front door.
 *
 * @param headers  header name (lower case) -> value
 * @param body     the JSON body, parsed only when the sticky key is read from it: null when the request has none;
 *                 throws {@link UnparseableRequestException} when the body is not JSON
 * @param tenant   the caller's tenant as the front door verified it (an authorizer's claim, or a header only the
 *                 front door sets), null when unknown; never a value the client chose, since it decides trust
 */
public record RouteRequest(Map<String, String> headers, Supplier<JsonNode> body, String tenant) {
    public static final String EXPERIMENT_HEADER = "x-exp";
    /**
     * The longest sticky key (UTF-8 bytes) the router keys an assignment by: with the function name and alias it
     * must fit the assignment store's key (DynamoDB partition keys stop at 2048 bytes).
     */
    public static final int MAX_STICKY_KEY_BYTES = 1024;

    /** A user's request with no verified tenant. */
    public RouteRequest(Map<String, String> headers, Supplier<JsonNode> body) {
        this(headers, body, null);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /**
     * The sticky key named by the rollout: a header, or a top-level text/number field of the JSON body.
     *
     * @throws UnparseableRequestException if the key is to be read from a body that is not a JSON object, or is
     *                                     longer than {@link #MAX_STICKY_KEY_BYTES}
     */
    public String stickyKey(String attribute, String source) {
        if (attribute == null) {
            return null;
        }
        String value;
        if ("body".equals(source)) {
            JsonNode json = body.get();
            if (json != null && !json.isObject()) {
                throw new UnparseableRequestException("the body holding the sticky key is not a JSON object");
            }
            JsonNode field = json == null ? null : json.get(attribute);
            value = field == null || !field.isValueNode() || field.isNull() ? null : field.asText();
        } else {
            value = header(attribute);
        }
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_STICKY_KEY_BYTES) {
            throw new UnparseableRequestException("the sticky key is longer than " + MAX_STICKY_KEY_BYTES + " bytes");
        }
        return value;
    }

    /** The request cannot be read well enough to route it by the rollout. */
    public static final class UnparseableRequestException extends RuntimeException {
        public UnparseableRequestException(String message) {
            // Thrown for any client's bad request, so no stack trace is filled in: it would never be read.
            super(message, null, false, false);
        }
    }
}
