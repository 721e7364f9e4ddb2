package dev.ragcanary.local.faults;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.rag.IndexFingerprint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The in-memory services a fault-matrix rollout runs against besides the control plane and DynamoDB: live metrics
 * shaped by the case's {@link Traffic}, RAG versions that answer every probe from its target section, an embedder
 * that makes every ΔS 0, an evidence bucket and the approval stand-in. Cheap and deterministic, so hundreds of
 * rollouts fit in minutes; the evidence put, the metrics query and the approval publish are call points.
 */
final class MatrixServices {
    static final String PUT_EVIDENCE = "S3.PutObject evidence";
    static final String QUERY_METRICS = "Logs.StartQuery";
    static final IndexFingerprint INDEX = new IndexFingerprint("0x9a77", "cosine", "bilstem");

    /** What the live traffic of a case looks like to the gate. */
    enum Traffic {
        /** Both variants alike, plenty of requests: every look promotes. */
        HEALTHY,
        /** From stage ten (both regions) the canary fails 5 % of requests: the gate rolls back there. */
        CANARY_ERRORS_FROM_TEN,
        /** The pilot-only stage has too little traffic on its first look, enough once it baked again. */
        THIN_FIRST_LOOK,
        /** The pilot-only stage never has enough traffic: with onInsufficientTraffic HOLD, a person decides. */
        THIN_AT_ONE,
        /** Healthy until the promotion; then the promoted version fails 5 % of requests: its bake reverts it. */
        CANARY_ERRORS_AFTER_PROMOTION
    }

    private MatrixServices() {
    }

    /** @param promoted whether the alias serves the canary to everyone (the traffic after the promotion) */
    static MetricsSource metrics(Traffic traffic, FaultInjector faults, BooleanSupplier promoted) {
        return new MetricsSource() {
            @Override
            public Reading read(Query query, Instant deadline) {
                FaultInjector.Point point = faults.before(QUERY_METRICS, kind -> failure(kind));
                boolean pilotOnly = query.regions().size() == 1;
                long windowSeconds = Duration.between(query.start(), query.end()).toSeconds();
                boolean thin = traffic == Traffic.THIN_AT_ONE && pilotOnly
                        || traffic == Traffic.THIN_FIRST_LOOK && pilotOnly && windowSeconds < 2 * StartInputs.BAKE_SECONDS;
                long requests = thin ? 200 : 200_000;
                double canaryErrors = traffic == Traffic.CANARY_ERRORS_FROM_TEN && !pilotOnly
                        || traffic == Traffic.CANARY_ERRORS_AFTER_PROMOTION && promoted.getAsBoolean() ? 0.05 : 0.001;
                LiveMetrics metrics = new LiveMetrics(variant(requests, 0.001), variant(requests, canaryErrors), 0);
                Map<String, IndexFingerprint> everywhere = new HashMap<>();
                query.regions().forEach(region -> everywhere.put(region, INDEX));
                faults.after(point, kind -> failure(kind));
                if (query.shadowStage()) {
                    // The matrix's function has no webhooks: nothing emitted, nothing mirrored to match.
                    return Reading.complete(null, Map.of(), new EgressMetrics(EgressMetrics.VariantEgress.NONE,
                            EgressMetrics.VariantEgress.NONE, 0, new EgressMetrics.ShadowMatch(0, 0, 0, 0, 0)));
                }
                return Reading.complete(metrics, Map.of("control", everywhere, "canary", everywhere), null);
            }
        };
    }

    /** The same warm latency samples for both variants (seeded): the latency rules pass on any look. */
    private static LiveMetrics.VariantMetrics variant(long requests, double errorRate) {
        SplittableRandom rng = new SplittableRandom(7);
        int warm = (int) Math.min(requests, 5_000);
        List<Double> latency = Arrays.stream(new double[warm]).map(x -> 400 * Math.exp(0.4 * rng.nextGaussian()))
                .boxed().toList();
        long errors = Math.round(requests * errorRate);
        return new LiveMetrics.VariantMetrics(requests, errors, Map.of("5xx:UpstreamTimeout", errors), latency, null,
                null, requests * 6 / 10, requests * 4 / 10);
    }

    /** A refused query is an unread reading, not a failure; what fails the task is the SDK call itself. */
    private static RuntimeException failure(FaultKind kind) {
        return AwsFailures.of(kind, "CloudWatchLogs", "ThrottlingException", QUERY_METRICS);
    }

    /** Both versions answer every probe with its target sections, from the index the start input expects. */
    static ProbeTarget ragVersions(JsonNode probeSet) {
        Map<String, List<String>> targets = new HashMap<>();
        probeSet.path("probes").forEach(p -> targets.put(p.path("id").asText(),
                Json.MAPPER.convertValue(p.path("targetSections"), List.class)));
        return (version, payload, timeout) -> {
            ObjectNode response = Json.MAPPER.createObjectNode();
            response.put("answer", "see the runbook");
            ArrayNode retrieved = response.putArray("retrieved");
            for (Object section : targets.getOrDefault(payload.path("probeId").asText(), List.of())) {
                retrieved.addObject().put("sectionId", section.toString()).put("text", payload.path("question").asText())
                        .put("score", 1.0);
            }
            response.set("index", Json.MAPPER.valueToTree(INDEX));
            response.putObject("cache").put("prefix", "v" + version + ":").put("hit", false);
            return new ProbeTarget.Invocation(response, 20, null);
        };
    }

    /** One vector for every text: ΔS is 0 for every probe, so the quality rules hold and cost nothing. */
    static Embedder constantEmbedder() {
        return new Embedder() {
            @Override
            public String modelId() {
                return "constant (fault matrix)";
            }

            @Override
            public float[] embed(String text) {
                return new float[] {1f, 0f, 0f};
            }
        };
    }

    static EvidenceStore evidence(FaultInjector faults) {
        Map<String, String> objects = new ConcurrentHashMap<>();
        return new EvidenceStore() {
            @Override
            public String put(String key, String json) {
                FaultInjector.Point point = faults.before(PUT_EVIDENCE,
                        kind -> AwsFailures.of(kind, "S3", "SlowDown", PUT_EVIDENCE));
                objects.put(key, json);
                faults.after(point, kind -> AwsFailures.of(kind, "S3", "SlowDown", PUT_EVIDENCE));
                return "s3://fault-matrix-evidence/" + key;
            }

            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(objects.get(key));
            }
        };
    }

    /**
     * The {@code sns:publish.waitForTaskToken} stand-in: the person answers at once, approving unless the request's
     * kind ({@code stage}, {@code held}, {@code promotion}) is in {@code refused}.
     */
    static RequestStreamHandler approvals(List<String> refused) {
        return (in, out, context) -> {
            String kind = Json.MAPPER.readTree(in).path("Message").path("kind").asText();
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put("approved", !refused.contains(kind));
            answer.put("by", "fault matrix");
            out.write(Json.compact(answer).getBytes(StandardCharsets.UTF_8));
        };
    }
}
