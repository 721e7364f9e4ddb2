package dev.ragcanary.adapters.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A scan's LastEvaluatedKey as text that travels through a state machine and comes back as the next
 * ExclusiveStartKey. Key attributes are strings, numbers or binary; nothing else can be a key.
 */
final class ResumeToken {
    /** A purge that stopped inside its first scan page starts that scan again. */
    private static final String FROM_THE_START = "start";

    private ResumeToken() {
    }

    /** @param key a LastEvaluatedKey, or null for the start of the scan */
    static String encode(Map<String, AttributeValue> key) {
        if (key == null) {
            return FROM_THE_START;
        }
        ObjectNode json = Json.MAPPER.createObjectNode();
        key.forEach((name, value) -> {
            ObjectNode typed = json.putObject(name);
            if (value.s() != null) {
                typed.put("S", value.s());
            } else if (value.n() != null) {
                typed.put("N", value.n());
            } else if (value.b() != null) {
                typed.put("B", Base64.getEncoder().encodeToString(value.b().asByteArray()));
            } else {
                throw new IllegalArgumentException("key attribute " + name + " is not a string, number or binary");
            }
        });
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Json.compact(json).getBytes(StandardCharsets.UTF_8));
    }

    /** @return the ExclusiveStartKey, null for the start of the scan */
    static Map<String, AttributeValue> decode(String token) {
        if (FROM_THE_START.equals(token)) {
            return null;
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | IOException notAToken) {
            throw new IllegalArgumentException("not a cache purge resume token: " + token, notAToken);
        }
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        json.fields().forEachRemaining(field -> {
            JsonNode typed = field.getValue();
            AttributeValue value = typed.has("S") ? AttributeValue.fromS(typed.get("S").asText())
                    : typed.has("N") ? AttributeValue.fromN(typed.get("N").asText())
                    : typed.has("B") ? AttributeValue.fromB(SdkBytes.fromByteArray(
                            Base64.getDecoder().decode(typed.get("B").asText())))
                    : null;
            if (value == null) {
                throw new IllegalArgumentException("not a cache purge resume token: " + token);
            }
            key.put(field.getKey(), value);
        });
        return key;
    }
}
