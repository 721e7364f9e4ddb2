package dev.ragcanary.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A view of one JSON object that reads typed fields and records every problem (with its JSON path) in a shared
 * list instead of stopping at the first. Readers return {@code null} for a missing or bad field, so a validator
 * can read the whole document and then report all problems at once.
 */
public final class JsonObject {
    private final JsonNode node;
    private final String path;
    private final List<Problem> problems;

    private JsonObject(JsonNode node, String path, List<Problem> problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /** Wraps {@code node}; reports a problem if it is not an object or has fields outside {@code allowedFields}. */
    public static JsonObject of(JsonNode node, String path, List<Problem> problems, Set<String> allowedFields) {
        if (node == null || !node.isObject()) {
            problems.add(new Problem(path, "expected an object but found " + describe(node)));
            return new JsonObject(MissingNode.getInstance(), path, problems);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowedFields.contains(name)) {
                problems.add(new Problem(path + "." + name, "unknown field; expected one of " + sortedList(allowedFields)));
            }
        }
        return new JsonObject(node, path, problems);
    }

    public String path() {
        return path;
    }

    public String path(String field) {
        return path + "." + field;
    }

    public boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    public JsonNode raw(String field) {
        return node.get(field);
    }

    public void problem(String field, String message) {
        problems.add(new Problem(path(field), message));
    }

    public String requiredText(String field) {
        if (!has(field)) {
            problem(field, "required text is missing");
            return null;
        }
        return text(field, null);
    }

    /** Text field; a present but blank value is a problem. */
    public String text(String field, String fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonNode value = node.get(field);
        if (!value.isTextual()) {
            problem(field, "expected text but found " + describe(value));
            return null;
        }
        if (value.asText().isBlank()) {
            problem(field, "must not be empty");
            return null;
        }
        return value.asText();
    }

    /** Number in [min, max]; {@code fallback} null means required. */
    public Double number(String field, Double fallback, double min, double max) {
        if (!has(field)) {
            if (fallback == null) {
                problem(field, "required number is missing");
            }
            return fallback;
        }
        JsonNode value = node.get(field);
        if (!value.isNumber()) {
            problem(field, "expected a number but found " + describe(value));
            return null;
        }
        double d = value.asDouble();
        if (d < min || d > max) {
            problem(field, "must be between " + plain(min) + " and " + plain(max) + " but was " + plain(d));
            return null;
        }
        return d;
    }

    /** Number above 0 and at most {@code max} (a duration, a size); {@code fallback} null means required. */
    public Double positiveNumber(String field, Double fallback, double max) {
        Double d = number(field, fallback, -Double.MAX_VALUE, Double.MAX_VALUE);
        if (d != null && (d <= 0 || d > max)) {
            problem(field, "must be above 0 and at most " + plain(max) + " but was " + plain(d));
            return null;
        }
        return d;
    }

    /** Whole number in [min, max]; {@code fallback} null means required. */
    public Long integer(String field, Long fallback, long min, long max) {
        if (!has(field)) {
            if (fallback == null) {
                problem(field, "required whole number is missing");
            }
            return fallback;
        }
        JsonNode value = node.get(field);
        if (!value.isIntegralNumber()) {
            problem(field, "expected a whole number but found " + describe(value));
            return null;
        }
        long l = value.asLong();
        if (l < min || l > max) {
            problem(field, "must be between " + min + " and " + max + " but was " + l);
            return null;
        }
        return l;
    }

    public Boolean bool(String field, Boolean fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonNode value = node.get(field);
        if (!value.isBoolean()) {
            problem(field, "expected true or false but found " + describe(value));
            return null;
        }
        return value.asBoolean();
    }

    /** One of {@code allowed} (case-sensitive). */
    public String choice(String field, String fallback, Set<String> allowed) {
        String value = text(field, fallback);
        if (value != null && !allowed.contains(value)) {
            problem(field, "must be one of " + sortedList(allowed) + " but was \"" + value + "\"");
            return null;
        }
        return value;
    }

    /** List of non-empty strings; {@code required} false gives an empty list when absent. */
    public List<String> textList(String field, boolean required) {
        if (!has(field)) {
            if (required) {
                problem(field, "required list is missing");
            }
            return List.of();
        }
        JsonNode value = node.get(field);
        if (!value.isArray()) {
            problem(field, "expected a list but found " + describe(value));
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = path(field) + "[" + i + "]";
            if (!item.isTextual()) {
                problems.add(new Problem(itemPath, "expected text but found " + describe(item)));
            } else if (item.asText().isBlank()) {
                problems.add(new Problem(itemPath, "must not be empty"));
            } else {
                out.add(item.asText());
            }
        }
        return out;
    }

    /** Nested object, or null when absent (a problem if {@code required}). */
    public JsonObject object(String field, boolean required, Set<String> allowedFields) {
        if (!has(field)) {
            if (required) {
                problem(field, "required object is missing");
            }
            return null;
        }
        return of(node.get(field), path(field), problems, allowedFields);
    }

    /** Object whose keys are free-form names (a map); each value is handed to the caller with its path. */
    public Map<String, JsonNode> map(String field) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (!has(field)) {
            return out;
        }
        JsonNode value = node.get(field);
        if (!value.isObject()) {
            problem(field, "expected an object but found " + describe(value));
            return out;
        }
        value.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** List of objects, each wrapped with its own path. */
    public List<JsonObject> objectList(String field, boolean required, Set<String> allowedFields) {
        if (!has(field)) {
            if (required) {
                problem(field, "required list is missing");
            }
            return List.of();
        }
        JsonNode value = node.get(field);
        if (!value.isArray()) {
            problem(field, "expected a list but found " + describe(value));
            return List.of();
        }
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            out.add(of(value.get(i), path(field) + "[" + i + "]", problems, allowedFields));
        }
        return out;
    }

    public static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "text \"" + node.asText() + "\"";
        }
        if (node.isNumber()) {
            return "number " + node.asText();
        }
        if (node.isBoolean()) {
            return "boolean " + node.asText();
        }
        return node.isArray() ? "a list" : "an object";
    }

    private static String plain(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String sortedList(Set<String> names) {
        return names.stream().sorted().toList().toString();
    }
}
