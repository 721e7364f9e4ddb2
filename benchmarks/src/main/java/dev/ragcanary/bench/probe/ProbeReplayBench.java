package dev.ragcanary.bench.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.probe.Probe;
import dev.ragcanary.core.probe.ProbeReplayService;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Probe replay throughput: 200 questions × 3 paraphrases × 2 seeds × 2 variants = 2,400 invocations against a target
 * with a fixed 20 ms latency at concurrency 32, reported as wall time over the ideal 2,400 / 32 × 20 ms = 1.5 s; and the
 * in-process embedder's throughput. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.ragcanary.bench.probe.ProbeReplayBench}
 */
public final class ProbeReplayBench {
    static final int QUESTIONS = 200;
    static final int CONCURRENCY = 32;
    static final long LATENCY_MS = 20;

    private ProbeReplayBench() {
    }

    /** Sleeps its fixed latency, then returns a valid response retrieving the probe's own target section. */
    static final class FixedLatencyTarget implements ProbeTarget {
        @Override
        public Invocation invoke(String version, JsonNode payload, Duration timeout) {
            long start = System.nanoTime();
            try {
                Thread.sleep(LATENCY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Invocation(null, 0, "timeout");
            }
            String id = payload.get("probeId").asText();
            ObjectNode r = Json.MAPPER.createObjectNode().put("answer", "answer");
            r.putArray("retrieved").addObject().put("sectionId", "s-" + id)
                    .put("text", "Section " + id + " explains how the canary rollout handles this case.").put("score", 3.0);
            r.putObject("index").put("INDEX_HASH", "0x1").put("metric", "bm25").put("analyzer", "english");
            r.putObject("cache").put("prefix", "v1:").put("hit", false);
            return new Invocation(r, (System.nanoTime() - start) / 1e6, null);
        }
    }

    /** Costs next to nothing, so the first figure measures the replay's own scheduling. */
    static final class HashEmbedder implements Embedder {
        @Override
        public String modelId() {
            return "hash-16";
        }

        @Override
        public float[] embed(String text) {
            float[] v = new float[16];
            for (int i = 0; i < text.length(); i++) {
                v[(text.charAt(i) * 31 + i) & 15] += 1;
            }
            return v;
        }
    }

    static final class DiscardEvidence implements EvidenceStore {
        @Override
        public String put(String key, String json) {
            return key;
        }

        @Override
        public Optional<String> get(String key) {
            return Optional.empty();
        }
    }

    static ProbeSet probes(int n) {
        return new ProbeSet("bench", IntStream.range(0, n).mapToObj(i -> new Probe("q" + i, "topic" + (i % 8),
                "question " + i, List.of("How does rollout step " + i + " work?", "What happens in step " + i + "?",
                "Explain stage " + i + " of a canary rollout"), List.of("s-q" + i), null, null)).toList());
    }

    static double replaySeconds(Embedder embedder, int questions) {
        ProbeReplayService service = new ProbeReplayService(new FixedLatencyTarget(), embedder, new DiscardEvidence(),
                ReplayOptions.DEFAULTS.withConcurrency(CONCURRENCY));
        long start = System.nanoTime();
        service.replay(new ProbeReplayService.Request(probes(questions), "1", "2", Thresholds.DEFAULTS, "bench.json"));
        return (System.nanoTime() - start) / 1e9;
    }

    public static void main(String[] args) {
        int calls = QUESTIONS * 3 * 2 * 2;
        double ideal = (double) calls / CONCURRENCY * LATENCY_MS / 1000.0;
        System.out.printf("cores: %d%n", Runtime.getRuntime().availableProcessors());

        replaySeconds(new HashEmbedder(), 20);   // warm up class loading and the JIT
        double[] runs = IntStream.range(0, 3).mapToDouble(i -> replaySeconds(new HashEmbedder(), QUESTIONS)).sorted().toArray();
        System.out.printf("replay, %d invocations, %d ms latency, concurrency %d, trivial embedder: wall %.3f s (best of 3, "
                + "worst %.3f s), ideal %.3f s, ratio %.2f%n", calls, LATENCY_MS, CONCURRENCY, runs[0], runs[2], ideal, runs[0] / ideal);

        MiniLmEmbedder minilm = new MiniLmEmbedder();
        List<String> texts = IntStream.range(0, 400).mapToObj(i -> "How does the canary rollout handle case number " + i
                + " when the gate sees a rising ΔS median?").toList();
        minilm.embed("warm up");
        long start = System.nanoTime();
        texts.forEach(minilm::embed);
        double seq = texts.size() / ((System.nanoTime() - start) / 1e9);
        List<String> batchTexts = texts.stream().map(t -> t + " (batch)").toList();
        start = System.nanoTime();
        minilm.embedAll(batchTexts);
        double batch = batchTexts.size() / ((System.nanoTime() - start) / 1e9);
        System.out.printf("embedding throughput, all-MiniLM-L6-v2-q in-process, %d texts: %.0f texts/s one by one, %.0f texts/s "
                + "batched%n", texts.size(), seq, batch);

        double real = replaySeconds(minilm, QUESTIONS);
        System.out.printf("replay, %d invocations with the MiniLM embedder (800 distinct texts): wall %.3f s, ratio %.2f%n",
                calls, real, real / ideal);
    }
}
