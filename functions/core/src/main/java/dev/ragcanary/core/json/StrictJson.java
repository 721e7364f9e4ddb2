package dev.ragcanary.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The one way rag-canary reads a JSON document it is given: a size limit, a nesting limit, duplicate keys refused,
 * trailing content refused, numbers that do not fit a double refused. Every failure is an {@link InvalidInputException}
 * whose problem names the JSON path where the reader stopped; nothing else escapes.
 */
public final class StrictJson {
    /** Deeper than any rag-canary contract (a probe's response schema included) nests, far below a stack overflow. */
    public static final int MAX_DEPTH = 64;

    private static final ObjectMapper READER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private StrictJson() {
    }

    /**
     * @param what     how problems name the document, e.g. "start input"
     * @param maxBytes the largest document accepted, in UTF-8 bytes
     */
    public static JsonNode read(String what, String text, int maxBytes) {
        long bytes = utf8Length(text, maxBytes);
        if (bytes > maxBytes) {
            throw new InvalidInputException(what, List.of(new Problem("$", "is larger than the " + size(maxBytes)
                    + " this input may be")));
        }
        return readChecked(what, text);
    }

    public static JsonNode read(String what, byte[] utf8, int maxBytes) {
        if (utf8.length > maxBytes) {
            throw new InvalidInputException(what, List.of(new Problem("$", "is " + size(utf8.length)
                    + ", larger than the " + size(maxBytes) + " this input may be")));
        }
        return readChecked(what, new String(utf8, StandardCharsets.UTF_8));
    }

    private static JsonNode readChecked(String what, String text) {
        JsonNode root;
        try (JsonParser parser = READER.createParser(text)) {
            try {
                root = READER.readTree(parser);
            } catch (StreamConstraintsException tooDeep) {
                throw invalid(what, path(parser.getParsingContext()), "nested deeper than " + MAX_DEPTH + " levels");
            } catch (JsonParseException e) {
                String message = e.getOriginalMessage();
                if (message.startsWith("Duplicate field")) {
                    throw invalid(what, path(parser.getParsingContext()), "duplicate key "
                            + message.substring(message.indexOf('\'')).replace('\'', '"')
                            + " (a key may appear once in an object)");
                }
                throw invalid(what, path(parser.getParsingContext()), "not valid JSON: " + message.split("\n")[0]
                        + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
            }
        } catch (JsonProcessingException e) {
            throw invalid(what, "$", "not valid JSON: " + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw invalid(what, "$", "could not be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw invalid(what, "$", "document is empty");
        }
        List<Problem> nonFinite = nonFiniteNumbers(root);
        if (!nonFinite.isEmpty()) {
            throw new InvalidInputException(what, nonFinite);
        }
        return root;
    }

    /** Numbers such as 1e999 parse as infinity; no contract means that, so each is a problem at its path. */
    private static List<Problem> nonFiniteNumbers(JsonNode root) {
        List<Problem> problems = new ArrayList<>();
        collectNonFinite(root, new ArrayDeque<>(), problems);
        return problems;
    }

    /** Depth-first, the path built only for a number found (depth is bounded by {@link #MAX_DEPTH}). */
    private static void collectNonFinite(JsonNode node, Deque<String> path, List<Problem> problems) {
        if (node.isFloatingPointNumber()) {
            if (!Double.isFinite(node.doubleValue())) {
                problems.add(new Problem("$" + String.join("", path), "number " + node.asText()
                        + " is out of range (not finite)"));
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                path.addLast("." + field.getKey());
                collectNonFinite(field.getValue(), path, problems);
                path.removeLast();
            }
        } else if (node.isArray() && holdsAContainerOrANonFiniteNumber(node)) {
            for (int i = 0; i < node.size(); i++) {
                path.addLast("[" + i + "]");
                collectNonFinite(node.get(i), path, problems);
                path.removeLast();
            }
        }
    }

    /** An array of only finite numbers and text (raw latency samples) needs no paths at all. */
    private static boolean holdsAContainerOrANonFiniteNumber(JsonNode array) {
        for (JsonNode item : array) {
            if (item.isContainerNode() || item.isFloatingPointNumber() && !Double.isFinite(item.doubleValue())) {
                return true;
            }
        }
        return false;
    }

    /** The JSON path of where the parser stands, e.g. {@code $.stages[2].weight}. */
    private static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.push("[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else if (c.getCurrentName() != null) {
                parts.push("." + c.getCurrentName());
            }
        }
        return "$" + String.join("", parts);
    }

    private static long utf8Length(String text, int stopAbove) {
        long bytes = 0;
        for (int i = 0; i < text.length() && bytes <= stopAbove; i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : Character.isLowSurrogate(c) ? 0 : 3;
        }
        return bytes;
    }

    private static String size(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : bytes >= 1 << 10 ? (bytes >> 10) + " KiB" : bytes + " bytes";
    }

    private static InvalidInputException invalid(String what, String path, String message) {
        return new InvalidInputException(what, List.of(new Problem(path, message)));
    }
}
