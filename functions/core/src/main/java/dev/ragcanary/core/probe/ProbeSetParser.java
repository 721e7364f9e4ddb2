package dev.ragcanary.core.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.JsonObject;
import dev.ragcanary.core.json.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a probe set and reports every problem with its JSON path: size outside 50..200, duplicate ids, a paraphrase
 * count other than three, a missing topic or question, no target, unknown fields. Agrees with
 * schemas/probe-set.schema.json, and also checks what a schema cannot (unique ids).
 */
public final class ProbeSetParser {
    static final Set<String> SET_FIELDS = Set.of("name", "description", "probes");
    static final Set<String> PROBE_FIELDS = Set.of("id", "topic", "question", "paraphrases", "targetSections",
            "targetText", "expectedResponseSchema");

    private ProbeSetParser() {
    }

    /** @throws InvalidInputException with every problem found */
    public static ProbeSet parse(String json) {
        List<Problem> problems = new ArrayList<>();
        ProbeSet set = read(Json.parse("probe set", json), problems);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("probe set", problems);
        }
        return set;
    }

    /** Every problem in {@code json}; empty when it is a valid probe set. */
    public static List<Problem> problems(String json) {
        try {
            List<Problem> problems = new ArrayList<>();
            read(Json.parse("probe set", json), problems);
            return problems;
        } catch (InvalidInputException e) {
            return e.problems();
        }
    }

    private static ProbeSet read(JsonNode root, List<Problem> problems) {
        JsonObject set = JsonObject.of(root, "$", problems, SET_FIELDS);
        String name = set.text("name", "unnamed probe set");
        set.text("description", null);
        List<JsonObject> items = set.objectList("probes", true, PROBE_FIELDS);
        if (set.has("probes") && set.raw("probes").isArray()
                && (items.size() < ProbeSet.MIN_PROBES || items.size() > ProbeSet.MAX_PROBES)) {
            set.problem("probes", "must hold between " + ProbeSet.MIN_PROBES + " and " + ProbeSet.MAX_PROBES
                    + " probes but has " + items.size());
        }
        Map<String, String> firstUse = new HashMap<>();
        List<Probe> probes = new ArrayList<>();
        for (JsonObject item : items) {
            Probe probe = readProbe(item);
            if (probe == null) {
                continue;
            }
            String earlier = firstUse.putIfAbsent(probe.id(), item.path("id"));
            if (earlier != null) {
                item.problem("id", "duplicate id \"" + probe.id() + "\" (first used at " + earlier + ")");
            }
            probes.add(probe);
        }
        return new ProbeSet(name, probes);
    }

    private static Probe readProbe(JsonObject p) {
        String id = p.requiredText("id");
        String topic = p.requiredText("topic");
        String question = p.requiredText("question");
        List<String> paraphrases = p.textList("paraphrases", true);
        if (p.has("paraphrases") && p.raw("paraphrases").isArray() && p.raw("paraphrases").size() != ProbeSet.PARAPHRASES) {
            p.problem("paraphrases", "needs exactly " + ProbeSet.PARAPHRASES + " paraphrases but has "
                    + p.raw("paraphrases").size());
        }
        List<String> targetSections = p.textList("targetSections", false);
        if (p.has("targetSections") && p.raw("targetSections").isArray() && p.raw("targetSections").isEmpty()) {
            p.problem("targetSections", "must not be empty; list the section ids a good answer retrieves");
        }
        String targetText = p.text("targetText", null);
        if (!p.has("targetSections") && !p.has("targetText")) {
            p.problem("targetSections", "a probe needs a target: targetSections, targetText or both");
        }
        JsonNode schema = p.raw("expectedResponseSchema");
        if (schema != null && !schema.isObject()) {
            p.problem("expectedResponseSchema", "expected a JSON Schema object but found " + JsonObject.describe(schema));
            schema = null;
        }
        // A probe with problems is still returned (when it has an id) so duplicate ids are found too; the caller
        // refuses the whole set whenever any problem was reported.
        return id == null ? null : new Probe(id, topic, question, paraphrases, targetSections, targetText, schema);
    }
}
