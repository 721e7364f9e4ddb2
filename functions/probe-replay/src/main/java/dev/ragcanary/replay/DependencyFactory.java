package dev.ragcanary.replay;

import dev.ragcanary.adapters.s3.ProbeSetLoader;
import dev.ragcanary.adapters.s3.S3Clients;
import dev.ragcanary.adapters.s3.S3EvidenceStore;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.embeddings.BedrockEmbedder;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The one place the probe replay function builds its clients and adapters, from the environment:
 * EVIDENCE_BUCKET (required), PROBE_CONCURRENCY (16), PROBE_TIMEOUT_MS (10000), PROBE_MAX_ATTEMPTS (4),
 * PROBE_MAX_PAGES (3, invocations one replay may take), EMBEDDER ({@code minilm} or {@code bedrock}), BEDROCK_EMBEDDING_MODEL, plus RAG_CANARY_ENDPOINT_* for local runs.
 */
final class DependencyFactory {
    private final Map<String, String> env;
    private final Map<String, LambdaClient> lambdaClients = new ConcurrentHashMap<>();

    DependencyFactory(Map<String, String> env) {
        this.env = env;
    }

    static DependencyFactory fromEnvironment() {
        return new DependencyFactory(System.getenv());
    }

    ProbeReplayHandler.Dependencies dependencies() {
        String bucket = env.get("EVIDENCE_BUCKET");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalStateException("EVIDENCE_BUCKET is not set");
        }
        S3Client s3 = S3Clients.fromEnv(env);
        EvidenceStore evidence = new S3EvidenceStore(s3, bucket);
        return new ProbeReplayHandler.Dependencies(
                probeTargets(),
                embedder(),
                evidence,
                new ProbeSetLoader(() -> s3)::load,
                options(),
                Clock.systemUTC());
    }

    /**
     * The target's versions in the region the replay names (the pilot's, whose version numbers it invokes), not the
     * stack's own region. The replay service retries throttled calls itself; SDK retries would multiply them and retry
     * other errors.
     */
    ProbeReplayHandler.ProbeTargets probeTargets() {
        return (region, functionName) -> new LambdaProbeTarget(lambdaClients.computeIfAbsent(region,
                r -> AwsClients.build(LambdaClient.builder(), "lambda", env, Region.of(r),
                        o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))), functionName);
    }

    private Embedder embedder() {
        if ("bedrock".equalsIgnoreCase(env.getOrDefault("EMBEDDER", "minilm"))) {
            BedrockRuntimeClient bedrock = AwsClients.build(BedrockRuntimeClient.builder(), "bedrock-runtime", env);
            return new BedrockEmbedder(bedrock, env.getOrDefault("BEDROCK_EMBEDDING_MODEL", BedrockEmbedder.DEFAULT_MODEL),
                    BedrockEmbedder.DEFAULT_DIMENSIONS);
        }
        return new MiniLmEmbedder();
    }

    ReplayOptions options() {
        ReplayOptions d = ReplayOptions.DEFAULTS;
        return new ReplayOptions(
                (int) number("PROBE_CONCURRENCY", d.concurrency()),
                Duration.ofMillis(number("PROBE_TIMEOUT_MS", d.callTimeout().toMillis())),
                (int) number("PROBE_MAX_ATTEMPTS", d.maxAttempts()),
                d.backoff(),
                (int) number("PROBE_MAX_PAGES", d.maxPages()));
    }

    private long number(String name, long fallback) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " must be a whole number but was \"" + raw + "\"");
        }
    }
}
