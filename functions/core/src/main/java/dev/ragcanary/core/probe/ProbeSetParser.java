package dev.ragcanary.core.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a probe set: schemas/probe-set.schema.json checks its shape (50..200 probes, exactly three paraphrases, a
 * target, no unknown fields); this class adds what a schema cannot say (unique ids). Every problem is reported with
 * its JSON path.
 */
public final class ProbeSetParser {
    private ProbeSetParser() {
    }

    /** @throws InvalidInputException with every problem found */
    public static ProbeSet parse(String json) {
        JsonNode root = Contract.PROBE_SET.parse(json);
        List<Problem> problems = problems(root);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(Contract.PROBE_SET.what(), problems);
        }
        List<Probe> probes = new ArrayList<>();
        root.get("probes").forEach(probe -> probes.add(Json.MAPPER.convertValue(probe, Probe.class)));
        return new ProbeSet(root.path("name").asText("unnamed probe set"), probes);
    }

    /** Every problem in {@code json}; empty when it is a valid probe set. */
    public static List<Problem> problems(String json) {
        try {
            return problems(Contract.PROBE_SET.parse(json));
        } catch (InvalidInputException e) {
            return e.problems();
        }
    }

    private static List<Problem> problems(JsonNode root) {
        List<Problem> problems = new ArrayList<>(Contract.PROBE_SET.problems(root));
        Map<String, String> firstUse = new HashMap<>();
        JsonNode probes = root.path("probes");
        for (int i = 0; probes.isArray() && i < probes.size(); i++) {
            JsonNode id = probes.get(i).path("id");
            String path = "$.probes[" + i + "].id";
            String earlier = id.isTextual() ? firstUse.putIfAbsent(id.asText(), path) : null;
            if (earlier != null) {
                problems.add(new Problem(path, "duplicate id \"" + id.asText() + "\" (first used at " + earlier + ")"));
            }
        }
        return problems;
    }
}
