package dev.ragcanary.core.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;

/** The one ObjectMapper configuration used for every rag-canary document. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private static final ObjectMapper STRICT_BINDING = MAPPER.copy()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    private Json() {
    }

    /**
     * Parses a document that follows no contract of its own (a handler event given to {@code ./canary invoke}, a stored
     * replay detail or ledger detail) with the one strict reader, up to the largest contract's size.
     */
    public static JsonNode parse(String what, String text) {
        return StrictJson.read(what, text, Contract.EVIDENCE.maxBytes());
    }

    /**
     * Binds a tree no schema checked to {@code type}: an unknown field, a missing record component (an optional one is
     * written as null, never left out) or a wrong type is a problem at its path (under {@code path}), and null is
     * returned when there are any.
     */
    public static <T> T bindStrictly(JsonNode node, Class<T> type, String path, List<Problem> problems) {
        try {
            return STRICT_BINDING.treeToValue(node, type);
        } catch (JsonMappingException e) {
            StringBuilder at = new StringBuilder(path);
            e.getPath().forEach(ref -> at.append(ref.getFieldName() != null ? "." + ref.getFieldName()
                    : "[" + ref.getIndex() + "]"));
            problems.add(new Problem(at.toString(), e.getOriginalMessage().split("\n")[0]));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            problems.add(new Problem(path, e.getMessage().split("\n")[0]));
        }
        return null;
    }

    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public static String compact(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }
}
