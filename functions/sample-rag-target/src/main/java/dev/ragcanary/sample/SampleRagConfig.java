package dev.ragcanary.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How one variant of the sample target behaves. Each knob changes retrieval for real, so control and canary built
 * from different configurations score differently.
 *
 * @param analyzer    Lucene analyzer for index and query: english (stemming, stop words), standard or whitespace
 * @param chunkWords  words per indexed chunk; sections longer than this are split
 * @param topK        snippets returned
 * @param staleIndex  index the first revision of the runbook, missing the sections added since
 * @param latencyMs   added to every call
 * @param errorRate   share of (question, seed) pairs that fail with an injected upstream error
 * @param rerankNoise relative, seed-dependent noise on scores before the top k are taken (0 = deterministic)
 * @param cachePrefix prefix reported in the response's cache block
 */
public record SampleRagConfig(
        String analyzer,
        int chunkWords,
        int topK,
        boolean staleIndex,
        long latencyMs,
        double errorRate,
        double rerankNoise,
        String cachePrefix) {

    public static final Set<String> ANALYZERS = Set.of("english", "standard", "whitespace");
    public static final SampleRagConfig DEFAULTS = new SampleRagConfig("english", 25, 1, false, 0, 0.0, 0.0, "v1:");

    public SampleRagConfig {
        List<Problem> problems = new ArrayList<>();
        if (!ANALYZERS.contains(analyzer)) {
            problems.add(new Problem("analyzer", "must be one of " + ANALYZERS.stream().sorted().toList() + " but was \"" + analyzer + "\""));
        }
        check(problems, "chunkWords", chunkWords >= 10 && chunkWords <= 10_000, "must be between 10 and 10000 but was " + chunkWords);
        check(problems, "topK", topK >= 1 && topK <= 50, "must be between 1 and 50 but was " + topK);
        check(problems, "latencyMs", latencyMs >= 0 && latencyMs <= 60_000, "must be between 0 and 60000 but was " + latencyMs);
        check(problems, "errorRate", errorRate >= 0 && errorRate <= 1, "must be between 0 and 1 but was " + errorRate);
        check(problems, "rerankNoise", rerankNoise >= 0 && rerankNoise <= 1, "must be between 0 and 1 but was " + rerankNoise);
        check(problems, "cachePrefix", cachePrefix != null && !cachePrefix.isBlank(), "must not be empty");
        if (!problems.isEmpty()) {
            throw new InvalidInputException("sample RAG configuration", problems);
        }
    }

    /** The environment variable of each setting, for the deployed function. */
    private static final Map<String, String> ENVIRONMENT = Map.of(
            "RAG_ANALYZER", "analyzer", "RAG_CHUNK_WORDS", "chunkWords", "RAG_TOP_K", "topK",
            "RAG_STALE_INDEX", "staleIndex", "RAG_LATENCY_MS", "latencyMs", "RAG_ERROR_RATE", "errorRate",
            "RAG_RERANK_NOISE", "rerankNoise", "RAG_CACHE_PREFIX", "cachePrefix");

    /** Reads RAG_ANALYZER, RAG_CHUNK_WORDS, RAG_TOP_K, RAG_STALE_INDEX, RAG_LATENCY_MS, RAG_ERROR_RATE, RAG_RERANK_NOISE, RAG_CACHE_PREFIX. */
    public static SampleRagConfig fromEnv(Map<String, String> env) {
        Map<String, JsonNode> overrides = new LinkedHashMap<>();
        ENVIRONMENT.forEach((variable, field) -> {
            String raw = env.get(variable);
            if (raw != null && !raw.isBlank()) {
                overrides.put(field, TextNode.valueOf(raw.strip()));
            }
        });
        try {
            return DEFAULTS.with(overrides);
        } catch (InvalidInputException e) {
            Map<String, String> variableOf = new HashMap<>();
            ENVIRONMENT.forEach((variable, field) -> variableOf.put(field, variable));
            throw new InvalidInputException("sample RAG configuration", e.problems().stream()
                    .map(p -> new Problem(variableOf.getOrDefault(p.path(), p.path()), p.message())).toList());
        }
    }

    /** This configuration with one setting replaced; see {@link #with(Map)}. */
    public SampleRagConfig with(String name, Object value) {
        return with(Map.of(name, Json.MAPPER.valueToTree(value)));
    }

    /**
     * This configuration with the named settings replaced (names as in this record, e.g. {@code topK}; text such as
     * "5" or "true" is read as the setting's type). Every unknown name and bad value is reported at once. Scenario
     * files, replay's --control/--canary and the RAG_* environment all come through here.
     */
    public SampleRagConfig with(Map<String, JsonNode> overrides) {
        Map<String, Class<?>> types = new LinkedHashMap<>();
        for (RecordComponent component : SampleRagConfig.class.getRecordComponents()) {
            types.put(component.getName(), component.getType());
        }
        List<Problem> problems = new ArrayList<>();
        ObjectNode fields = Json.MAPPER.valueToTree(this);
        overrides.forEach((name, value) -> {
            Class<?> type = types.get(name);
            if (type == null) {
                problems.add(new Problem(name, "unknown setting; expected one of " + new TreeSet<>(types.keySet())));
                return;
            }
            try {
                fields.set(name, Json.MAPPER.valueToTree(Json.MAPPER.convertValue(value, type)));
            } catch (IllegalArgumentException notThatType) {
                problems.add(new Problem(name, "cannot read " + value + ": expected " + describe(type)));
            }
        });
        // The readable settings are range-checked too, so a bad name and a bad value are reported together.
        try {
            SampleRagConfig config = Json.MAPPER.convertValue(fields, SampleRagConfig.class);
            if (problems.isEmpty()) {
                return config;
            }
        } catch (IllegalArgumentException e) {
            problems.addAll(rangeProblems(e));
        }
        throw new InvalidInputException("sample RAG configuration", problems);
    }

    /** The canonical constructor's range checks arrive wrapped by Jackson. */
    private static List<Problem> rangeProblems(IllegalArgumentException wrapped) {
        for (Throwable t = wrapped; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException invalid) {
                return invalid.problems();
            }
        }
        throw wrapped;
    }

    private static String describe(Class<?> type) {
        if (type == boolean.class) {
            return "true or false";
        }
        if (type == int.class || type == long.class) {
            return "a whole number";
        }
        return type == double.class ? "a number" : "text";
    }

    private static void check(List<Problem> problems, String field, boolean ok, String message) {
        if (!ok) {
            problems.add(new Problem(field, message));
        }
    }
}
