package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the router needs from one incoming request, independent of the front door.
 *
 * @param headers header name (lower case) -> value
 * @param body    the JSON body, parsed only when the sticky key is read from it; may return null
 */
public record RouteRequest(Map<String, String> headers, Supplier<JsonNode> body) {
    public static final String EXPERIMENT_HEADER = "x-exp";
    public static final String WARM_HEADER = "x-warm";
    public static final String TENANT_HEADER = "x-tenant-id";

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The sticky key named by the rollout: a header, or a top-level text/number field of the JSON body. */
    public String stickyKey(String attribute, String source) {
        if (attribute == null) {
            return null;
        }
        String value;
        if ("body".equals(source)) {
            JsonNode json = body.get();
            JsonNode field = json == null ? null : json.get(attribute);
            value = field == null || !field.isValueNode() || field.isNull() ? null : field.asText();
        } else {
            value = header(attribute);
        }
        return value == null || value.isBlank() ? null : value;
    }

    /** The tenant whose trust is checked for {@code x-exp}: {@code x-tenant-id} if sent, else the sticky key. */
    public String tenant(String stickyKey) {
        String tenant = header(TENANT_HEADER);
        return tenant == null || tenant.isBlank() ? stickyKey : tenant;
    }

    public boolean warmPing() {
        return "true".equalsIgnoreCase(header(WARM_HEADER));
    }
}
