package dev.ragcanary.egress;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one request tells the library about itself: the variant serving it, whether it is a shadow copy, who owns its
 * claims, when it started.
 *
 * @param variant   "control" or "canary" (the router's {@code x-exp}; anything else, or none, is "control": an alias
 *                  call outside a rollout serves what the control serves)
 * @param shadow    the router's {@code x-shadow: true}: a mirrored copy whose emissions must never reach a partner
 * @param qualifier the router's {@code x-variant} (the version it invoked), null without the router
 * @param ownerId   stable id of this request across its retries; see {@link #fromEvent}
 * @param startedAt when the request started; emission ages are measured from here
 */
public record RequestContext(String variant, boolean shadow, String qualifier, String ownerId, Instant startedAt) {
    public static final String CONTROL = "control";
    public static final String CANARY = "canary";

    public RequestContext {
        if (!CONTROL.equals(variant) && !CANARY.equals(variant)) {
            throw new IllegalArgumentException("variant must be \"control\" or \"canary\" but was " + variant);
        }
        if (ownerId == null || ownerId.isBlank()) {
            throw new IllegalArgumentException("ownerId must not be empty: pass the request id");
        }
        Objects.requireNonNull(startedAt, "startedAt");
    }

    /**
     * From the router's headers (names case-insensitive).
     *
     * @param headers   the request's headers; null or empty for a direct call (a live control request)
     * @param requestId the owner id: the request id that stays the same when this request is retried
     */
    public static RequestContext fromHeaders(Map<String, String> headers, String requestId, Instant startedAt) {
        Map<String, String> lower = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((name, value) -> {
                if (name != null && value != null) {
                    lower.put(name, value);
                }
            });
        }
        String exp = lower.getOrDefault("x-exp", "").trim().toLowerCase(Locale.ROOT);
        boolean shadow = "true".equalsIgnoreCase(lower.getOrDefault("x-shadow", "").trim());
        return new RequestContext(CANARY.equals(exp) ? CANARY : CONTROL, shadow, lower.get("x-variant"), requestId,
                startedAt);
    }

    /**
     * From the event the router invokes a function with (API Gateway HTTP API v2 / Function URL format). The owner id
     * is the event's {@code requestContext.requestId}: the router passes the same event, so the id survives the
     * router invoking again, where Lambda's own request id would be new; without one (a direct invoke) it is
     * {@code lambdaRequestId}, which Lambda keeps when it retries an asynchronous invocation.
     */
    public static RequestContext fromEvent(JsonNode event, String lambdaRequestId, Instant startedAt) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        JsonNode given = event == null ? null : event.get("headers");
        if (given != null && given.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> header = it.next();
                if (header.getValue().isValueNode()) {
                    headers.put(header.getKey(), header.getValue().asText());
                }
            }
        }
        String requestId = event == null ? "" : event.path("requestContext").path("requestId").asText("");
        return fromHeaders(headers, requestId.isBlank() ? lambdaRequestId : requestId, startedAt);
    }
}
