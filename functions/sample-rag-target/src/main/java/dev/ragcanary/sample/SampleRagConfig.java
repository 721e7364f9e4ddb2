package dev.ragcanary.sample;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

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

    /** Reads RAG_ANALYZER, RAG_CHUNK_WORDS, RAG_TOP_K, RAG_STALE_INDEX, RAG_LATENCY_MS, RAG_ERROR_RATE, RAG_RERANK_NOISE, RAG_CACHE_PREFIX. */
    public static SampleRagConfig fromEnv(Map<String, String> env) {
        List<Problem> problems = new ArrayList<>();
        SampleRagConfig d = DEFAULTS;
        String analyzer = env.getOrDefault("RAG_ANALYZER", d.analyzer);
        Integer chunk = read(env, "RAG_CHUNK_WORDS", d.chunkWords, Integer::valueOf, problems);
        Integer topK = read(env, "RAG_TOP_K", d.topK, Integer::valueOf, problems);
        Boolean stale = read(env, "RAG_STALE_INDEX", d.staleIndex, SampleRagConfig::bool, problems);
        Long latency = read(env, "RAG_LATENCY_MS", d.latencyMs, Long::valueOf, problems);
        Double errors = read(env, "RAG_ERROR_RATE", d.errorRate, Double::valueOf, problems);
        Double noise = read(env, "RAG_RERANK_NOISE", d.rerankNoise, Double::valueOf, problems);
        String prefix = env.getOrDefault("RAG_CACHE_PREFIX", d.cachePrefix);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("sample RAG configuration", problems);
        }
        return new SampleRagConfig(analyzer, chunk, topK, stale, latency, errors, noise, prefix);
    }

    /**
     * This configuration with the named fields replaced (names as in this record, e.g. {@code topK}); every unknown
     * name and bad value is reported at once. Scenario files and the replay command's --control/--canary use it.
     */
    public SampleRagConfig with(Map<String, JsonNode> overrides) {
        List<Problem> problems = new ArrayList<>();
        ObjectNode fields = Json.MAPPER.valueToTree(this);
        Set<String> names = new TreeSet<>();
        fields.fieldNames().forEachRemaining(names::add);
        overrides.forEach((name, value) -> {
            if (!names.contains(name)) {
                problems.add(new Problem(name, "unknown setting; expected one of " + names));
            } else {
                fields.set(name, value);
            }
        });
        if (problems.isEmpty()) {
            try {
                return Json.MAPPER.convertValue(fields, SampleRagConfig.class);
            } catch (IllegalArgumentException e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof InvalidInputException invalid) {
                        throw invalid;
                    }
                }
                String field = e.getCause() instanceof JsonMappingException m && !m.getPath().isEmpty()
                        ? m.getPath().get(m.getPath().size() - 1).getFieldName() : "$";
                problems.add(new Problem(field, "cannot read " + overrides.get(field) + ": expected a value of its type"));
            }
        }
        throw new InvalidInputException("sample RAG configuration", problems);
    }

    public SampleRagConfig withAnalyzer(String value) {
        return new SampleRagConfig(value, chunkWords, topK, staleIndex, latencyMs, errorRate, rerankNoise, cachePrefix);
    }

    public SampleRagConfig withChunkWords(int value) {
        return new SampleRagConfig(analyzer, value, topK, staleIndex, latencyMs, errorRate, rerankNoise, cachePrefix);
    }

    public SampleRagConfig withTopK(int value) {
        return new SampleRagConfig(analyzer, chunkWords, value, staleIndex, latencyMs, errorRate, rerankNoise, cachePrefix);
    }

    public SampleRagConfig withStaleIndex(boolean value) {
        return new SampleRagConfig(analyzer, chunkWords, topK, value, latencyMs, errorRate, rerankNoise, cachePrefix);
    }

    public SampleRagConfig withLatencyMs(long value) {
        return new SampleRagConfig(analyzer, chunkWords, topK, staleIndex, value, errorRate, rerankNoise, cachePrefix);
    }

    public SampleRagConfig withErrorRate(double value) {
        return new SampleRagConfig(analyzer, chunkWords, topK, staleIndex, latencyMs, value, rerankNoise, cachePrefix);
    }

    public SampleRagConfig withRerankNoise(double value) {
        return new SampleRagConfig(analyzer, chunkWords, topK, staleIndex, latencyMs, errorRate, value, cachePrefix);
    }

    public SampleRagConfig withCachePrefix(String value) {
        return new SampleRagConfig(analyzer, chunkWords, topK, staleIndex, latencyMs, errorRate, rerankNoise, value);
    }

    private static void check(List<Problem> problems, String field, boolean ok, String message) {
        if (!ok) {
            problems.add(new Problem(field, message));
        }
    }

    private static <T> T read(Map<String, String> env, String name, T fallback, Function<String, T> parser, List<Problem> problems) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return parser.apply(raw.strip());
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(name, "cannot read \"" + raw + "\": " + e.getMessage()));
            return fallback;
        }
    }

    private static Boolean bool(String raw) {
        if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
            return Boolean.valueOf(raw);
        }
        throw new IllegalArgumentException("expected true or false");
    }
}
