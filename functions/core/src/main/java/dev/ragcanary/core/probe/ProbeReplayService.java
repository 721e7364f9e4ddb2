package dev.ragcanary.core.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.gate.ProbeSummary;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.core.traffic.Sleeper;
import dev.ragcanary.core.stats.Percentiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Replays a gold probe set against the control and canary versions and scores it: every question × each of its three
 * paraphrases × two seeds × two variants. One bad call (error, timeout, throttled past its retries, a response that
 * breaks the data contract) is recorded against its probe and never stops the replay. The full per-call detail goes
 * to the evidence store; the returned {@link ProbeSummary} is the small digest the gate reads.
 */
public final class ProbeReplayService {
    public static final String CONTROL = "control";
    public static final String CANARY = "canary";
    /** λ compares exactly two seeds (docs/design.md). */
    public static final List<Integer> SEEDS = List.of(1, 2);

    private final ProbeTarget target;
    private final Embedder embedder;
    private final EvidenceStore evidence;
    private final RagResponseContract contract;
    private final ReplayOptions options;
    private final Sleeper sleeper;

    public ProbeReplayService(ProbeTarget target, Embedder embedder, EvidenceStore evidence, ReplayOptions options) {
        this(target, embedder, evidence, options, Sleeper.REAL);
    }

    public ProbeReplayService(ProbeTarget target, Embedder embedder, EvidenceStore evidence, ReplayOptions options,
                              Sleeper sleeper) {
        this.target = target;
        this.embedder = embedder;
        this.evidence = evidence;
        this.contract = new RagResponseContract();
        this.options = options;
        this.sleeper = sleeper;
    }

    /** What to replay, against which versions, and where its detail goes. */
    public record Request(ProbeSet probes, String controlVersion, String canaryVersion, Thresholds thresholds,
                          String evidenceKey) {
    }

    /** The summary for the gate and the detail that was stored under its evidence key. */
    public record Result(ProbeSummary summary, ReplayDetail detail) {
    }

    public Result replay(Request request) {
        Map<String, float[]> embeddings = new ConcurrentHashMap<>();
        List<ReplayDetail.Call> calls = runAll(request, text -> embeddings.computeIfAbsent(text, embedder::embed));
        ProbeSummary.VariantProbes control = summarise(request, calls, CONTROL);
        ProbeSummary.VariantProbes canary = summarise(request, calls, CANARY);
        ProbeSummary summary = new ProbeSummary(request.evidenceKey(), request.probes().probes().size(), control, canary);
        ReplayDetail detail = new ReplayDetail(request.evidenceKey(), request.probes().name(), embedder.modelId(),
                request.controlVersion(), request.canaryVersion(), options, summary,
                LambdaClassifier.flips(control.lambda(), canary.lambda()), embeddings.size(), calls);
        evidence.put(request.evidenceKey(), Json.compact(detail));
        return new Result(summary, detail);
    }

    private interface EmbeddingCache {
        float[] embed(String text);
    }

    private record Task(String variant, String version, Probe probe, int paraphrase, int seed) {
    }

    private List<ReplayDetail.Call> runAll(Request request, EmbeddingCache cache) {
        List<Task> tasks = new ArrayList<>();
        for (String variant : List.of(CONTROL, CANARY)) {
            String version = variant.equals(CONTROL) ? request.controlVersion() : request.canaryVersion();
            for (Probe probe : request.probes().probes()) {
                for (int p = 0; p < probe.paraphrases().size(); p++) {
                    for (int seed : SEEDS) {
                        tasks.add(new Task(variant, version, probe, p, seed));
                    }
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(options.concurrency(), r -> {
            Thread t = new Thread(r, "probe-replay");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ReplayDetail.Call>> futures = new ArrayList<>(tasks.size());
            for (Task task : tasks) {
                futures.add(pool.submit(() -> call(task, cache)));
            }
            List<ReplayDetail.Call> out = new ArrayList<>(tasks.size());
            for (Future<ReplayDetail.Call> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("probe replay interrupted", e);
        } catch (ExecutionException e) {
            // call() catches everything a probe can throw; reaching here is a bug in this class.
            throw new IllegalStateException("probe replay failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private ReplayDetail.Call call(Task t, EmbeddingCache cache) {
        String question = t.probe.paraphrases().get(t.paraphrase);
        ObjectNode payload = Json.MAPPER.createObjectNode()
                .put("question", question)
                .put("seed", t.seed)
                .put("probeId", t.probe.id());
        int attempts = 0;
        double latency = 0;
        try {
            ProbeTarget.Invocation inv = null;
            while (inv == null) {
                attempts++;
                try {
                    inv = target.invoke(t.version, payload, options.callTimeout());
                } catch (ProbeTarget.ThrottledException e) {
                    if (attempts >= options.maxAttempts()) {
                        return failed(t, latency, attempts, "429:Throttled");
                    }
                    sleeper.sleep(options.backoff().multipliedBy(1L << (attempts - 1)));
                }
            }
            latency = inv.latencyMs();
            if (inv.failed()) {
                return failed(t, latency, attempts, inv.failureClass());
            }
            List<String> violations = contract.violations(inv.response(), t.probe.expectedResponseSchema());
            if (!violations.isEmpty()) {
                return violated(t, latency, attempts, violations);
            }
            RagResponse response = parse(inv.response());
            double deltaS = response.retrieved().isEmpty()
                    ? 1.0
                    : Scoring.deltaS(cache.embed(question), cache.embed(response.retrievedText()));
            double coverage = Scoring.coverage(t.probe, response.sectionIds(), response.retrievedText());
            return new ReplayDetail.Call(t.variant, t.version, t.probe.id(), t.probe.topic(), t.paraphrase, t.seed,
                    latency, attempts, null, List.of(), deltaS, coverage, response.topSection(), response.sectionIds(),
                    response.index(), response.cache().hit());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(t, latency, attempts, "replay:Interrupted");
        } catch (RuntimeException e) {
            return failed(t, latency, attempts, "replay:" + e.getClass().getSimpleName());
        }
    }

    private static RagResponse parse(JsonNode node) {
        try {
            return Json.MAPPER.treeToValue(node, RagResponse.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("response passed the schema but does not map: " + e.getOriginalMessage(), e);
        }
    }

    private static ReplayDetail.Call failed(Task t, double latency, int attempts, String failureClass) {
        return new ReplayDetail.Call(t.variant, t.version, t.probe.id(), t.probe.topic(), t.paraphrase, t.seed, latency,
                attempts, failureClass, List.of(), null, null, null, List.of(), null, null);
    }

    private static ReplayDetail.Call violated(Task t, double latency, int attempts, List<String> violations) {
        return new ReplayDetail.Call(t.variant, t.version, t.probe.id(), t.probe.topic(), t.paraphrase, t.seed, latency,
                attempts, null, violations, null, null, null, List.of(), null, null);
    }

    private static ProbeSummary.VariantProbes summarise(Request request, List<ReplayDetail.Call> all, String variant) {
        List<ReplayDetail.Call> calls = all.stream().filter(c -> c.variant().equals(variant)).toList();
        List<ReplayDetail.Call> scored = calls.stream().filter(ReplayDetail.Call::scored).toList();
        double[] deltaS = scored.stream().mapToDouble(ReplayDetail.Call::deltaS).sorted().toArray();
        ProbeSummary.DeltaS ds = deltaS.length == 0
                ? new ProbeSummary.DeltaS(0, 0, 0)
                : new ProbeSummary.DeltaS(round(Percentiles.ofSorted(deltaS, 0.5)), round(Percentiles.ofSorted(deltaS, 0.9)),
                deltaS.length);
        Map<String, List<Double>> byTopic = new TreeMap<>();
        scored.forEach(c -> byTopic.computeIfAbsent(c.topic(), k -> new ArrayList<>()).add(c.coverage()));
        Map<String, Double> topicMeans = new TreeMap<>();
        byTopic.forEach((topic, values) -> topicMeans.put(topic, round(mean(values))));
        ProbeSummary.Coverage coverage = new ProbeSummary.Coverage(
                round(mean(scored.stream().map(ReplayDetail.Call::coverage).toList())), topicMeans, scored.size());

        Map<String, ReplayDetail.Call> byKey = new LinkedHashMap<>();
        calls.forEach(c -> byKey.put(c.questionId() + "#" + c.paraphrase() + "#" + c.seed(), c));
        Thresholds th = request.thresholds();
        Map<String, List<LambdaState>> lambda = new TreeMap<>();
        for (Probe probe : request.probes().probes()) {
            List<LambdaState> states = new ArrayList<>();
            for (int p = 0; p < probe.paraphrases().size(); p++) {
                SeedOutcome first = outcome(byKey.get(probe.id() + "#" + p + "#" + SEEDS.get(0)));
                SeedOutcome second = outcome(byKey.get(probe.id() + "#" + p + "#" + SEEDS.get(1)));
                states.add(LambdaClassifier.classify(first, second, th.lambdaDeltaSTolerance(), th.lambdaDeltaSMax()));
            }
            lambda.put(probe.id(), states);
        }
        int violations = (int) calls.stream().filter(ReplayDetail.Call::violated).count();
        int errors = (int) calls.stream().filter(c -> c.failureClass() != null).count();
        return new ProbeSummary.VariantProbes(ds, coverage, lambda, violations, errors, calls.size());
    }

    private static SeedOutcome outcome(ReplayDetail.Call call) {
        return call == null || !call.scored() ? SeedOutcome.failure() : SeedOutcome.of(call.topSection(), call.deltaS());
    }

    private static double mean(List<Double> values) {
        return values.isEmpty() ? 0.0 : values.stream().mapToDouble(Double::doubleValue).average().orElse(0.0);
    }

    /** Four decimals keep the Step Functions payload small and are far finer than any threshold. */
    private static double round(double value) {
        return Math.round(value * 10_000.0) / 10_000.0;
    }
}
