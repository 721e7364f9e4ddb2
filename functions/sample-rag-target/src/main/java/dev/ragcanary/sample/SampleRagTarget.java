package dev.ragcanary.sample;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.ports.ProbeTarget;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sample target in-process, as a {@link ProbeTarget}: each version is a differently configured {@link SampleRag},
 * so tests, the CLI and the local rehearsal replay probes against control and canary without AWS.
 * Behaves like a Lambda invoke: added latency is real, a call slower than the timeout fails as {@code timeout},
 * an injected error fails as {@code 5xx:UpstreamTimeoutException}, an unknown version as
 * {@code 4xx:ResourceNotFoundException}.
 */
public final class SampleRagTarget implements ProbeTarget {
    private final Map<String, SampleRag> versions;

    public SampleRagTarget(Map<String, SampleRag> versions) {
        this.versions = Map.copyOf(versions);
    }

    /** Two versions, "control" and "canary", built from the two configurations. */
    public static SampleRagTarget of(SampleRagConfig control, SampleRagConfig canary) {
        Map<String, SampleRag> versions = new LinkedHashMap<>();
        versions.put("control", new SampleRag(control));
        versions.put("canary", new SampleRag(canary));
        return new SampleRagTarget(versions);
    }

    @Override
    public Invocation invoke(String version, JsonNode payload, Duration timeout) {
        long start = System.nanoTime();
        SampleRag rag = versions.get(version);
        if (rag == null) {
            return new Invocation(null, 0, "4xx:ResourceNotFoundException");
        }
        long latency = rag.config().latencyMs();
        try {
            if (latency > 0) {
                Thread.sleep(Math.min(latency, timeout.toMillis()));
            }
            if (latency > timeout.toMillis()) {
                return new Invocation(null, elapsedMs(start), "timeout");
            }
            JsonNode question = payload.get("question");
            if (question == null || !question.isTextual()) {
                return new Invocation(null, elapsedMs(start), "4xx:IllegalArgumentException");
            }
            JsonNode response = rag.answer(question.asText(), payload.path("seed").asLong(0));
            return new Invocation(response, elapsedMs(start), null);
        } catch (SampleRag.UpstreamTimeoutException e) {
            return new Invocation(null, elapsedMs(start), "5xx:UpstreamTimeoutException");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Invocation(null, elapsedMs(start), "timeout");
        }
    }

    private static double elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
