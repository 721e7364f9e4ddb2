package dev.ragcanary.egress;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The key that makes an event the same event everywhere: in both variants, in every retry, in the sink and at the
 * partner (its {@code Idempotency-Key} header). 64 lowercase hex characters.
 *
 * <p>Derived: {@code SHA-256( UTF-8( webhookName + "\n" + canonical(content) ) )} in lowercase hex, where content is
 * the whole payload ({@link #of}) or the object of the named top-level fields only ({@link #ofFields}), and
 * {@link #canonical} is JSON without whitespace, object members sorted by name (UTF-16 code units, as RFC 8785),
 * strings escaped as Jackson writes them, numbers as the shortest plain decimal of their value (1, 1.0 and 1e0 all
 * give {@code 1}; 0.50 gives {@code 0.5}).
 */
public record DedupeKey(String hex) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public DedupeKey {
        if (hex == null || !HEX64.matcher(hex).matches()) {
            throw new IllegalArgumentException("dedupeKey must be 64 lowercase hex characters (a SHA-256) but was "
                    + hex);
        }
    }

    /** A key the caller derived itself (for instance the partner's own event id, hashed). */
    public static DedupeKey given(String hex) {
        return new DedupeKey(hex);
    }

    /** Over the whole payload: any difference in the payload is another event. */
    public static DedupeKey of(Webhook webhook, JsonNode payload) {
        if (payload == null || payload.isMissingNode()) {
            throw new IllegalArgumentException("payload must be a JSON value");
        }
        return hash(webhook, payload);
    }

    /**
     * Over the named top-level fields of the payload only: the fields that identify the event (a request id, an order
     * id), leaving out what may differ between two variants' copies of the same event (timings, answer text).
     */
    public static DedupeKey ofFields(Webhook webhook, JsonNode payload, List<String> idempotencyFields) {
        if (payload == null || !payload.isObject()) {
            throw new IllegalArgumentException("payload must be a JSON object to take idempotency fields from");
        }
        if (idempotencyFields == null || idempotencyFields.isEmpty()) {
            throw new IllegalArgumentException("idempotencyFields must name at least one field");
        }
        ObjectNode content = JsonNodeFactory.instance.objectNode();
        List<String> missing = new ArrayList<>();
        for (String field : idempotencyFields) {
            if (payload.has(field)) {
                content.set(field, payload.get(field));
            } else {
                missing.add(field);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("payload lacks idempotency field(s) " + missing);
        }
        return hash(webhook, content);
    }

    private static DedupeKey hash(Webhook webhook, JsonNode content) {
        String text = webhook.name() + "\n" + canonical(content);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return new DedupeKey(HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The canonical text of a JSON value (see the class comment). */
    public static String canonical(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null); // String order is UTF-16 code unit order
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                string(names.get(i), out);
                out.append(':');
                write(node.get(names.get(i)), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                write(it.next(), out);
                if (it.hasNext()) {
                    out.append(',');
                }
            }
            out.append(']');
        } else if (node.isNumber()) {
            BigDecimal value = node.decimalValue().stripTrailingZeros();
            out.append(value.signum() == 0 ? "0" : value.toPlainString());
        } else if (node.isTextual()) {
            string(node.asText(), out);
        } else {
            out.append(node.isNull() ? "null" : node.asText()); // true / false
        }
    }

    private static void string(String text, StringBuilder out) {
        out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(text)).append('"');
    }
}
