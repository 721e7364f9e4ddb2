package dev.ragcanary.core.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.core.ports.Sleeper;
import dev.ragcanary.core.stats.Percentiles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Replays a gold probe set against the control and canary versions and scores it: every question × each of its three
 * paraphrases × two seeds × two variants. One bad call (error, timeout, throttled past its retries, a response that
 * breaks the data contract) is recorded against its probe and never stops the replay. The full per-call detail goes
 * to the evidence store; the returned {@link ProbeSummary} is the small digest the gate reads. A replay that needs more
 * time than one invocation has runs in pages ({@link ReplayBudget}, {@link ReplayContinuation}).
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

    /**
     * What to replay, against which versions, and where its detail goes (the same key on every page).
     *
     * @param seeds the two seeds each variant is called with; the gate's replay uses {@link Seeds#GATE}, a
     *              calibration gives each variant its own so an A/A replay shows the noise between independent runs
     */
    public record Request(ProbeSet probes, String controlVersion, String canaryVersion, Thresholds thresholds,
                          String evidenceKey, Seeds seeds) {
        public Request(ProbeSet probes, String controlVersion, String canaryVersion, Thresholds thresholds,
                       String evidenceKey) {
            this(probes, controlVersion, canaryVersion, thresholds, evidenceKey, Seeds.GATE);
        }
    }

    /** The two seeds λ compares, per variant. */
    public record Seeds(List<Integer> control, List<Integer> canary) {
        public static final Seeds GATE = new Seeds(SEEDS, SEEDS);

        public Seeds {
            if (control.size() != SEEDS.size() || canary.size() != SEEDS.size()) {
                throw new IllegalArgumentException("λ compares exactly " + SEEDS.size() + " seeds per variant: "
                        + control + ", " + canary);
            }
            control = List.copyOf(control);
            canary = List.copyOf(canary);
        }

        List<Integer> of(String variant) {
            return CONTROL.equals(variant) ? control : canary;
        }
    }

    /**
     * The summary for the gate and the detail stored under its evidence key, both over every call measured so far.
     *
     * @param continuation where the next page goes on, or null when the replay is complete or out of pages
     */
    public record Result(ProbeSummary summary, ReplayDetail detail, ReplayContinuation continuation) {
        public boolean complete() {
            return summary.incomplete() == null;
        }
    }

    /** The whole replay in one page, however long it takes (the command line, benchmarks). */
    public Result replay(Request request) {
        return replay(request, 1, ReplayBudget.UNLIMITED);
    }

    /**
     * One page of a replay: page 1 starts afresh; a later page reads what the earlier ones stored under the request's
     * evidence key and measures only the calls still missing. Calls start while {@code budget} allows; the page then
     * stores every call measured so far and, when some are missing, returns a continuation (or, on the last page
     * {@link ReplayOptions#maxPages()} allows, a summary marked incomplete that the gate cannot pass).
     */
    public Result replay(Request request, int page, ReplayBudget budget) {
        if (page < 1 || page > options.maxPages()) {
            throw new IllegalArgumentException("page must be from 1 to " + options.maxPages() + " but was " + page);
        }
        List<Task> planned = plan(request);
        Map<String, ReplayDetail.Call> measured = page == 1 ? new HashMap<>() : earlierCalls(request, planned);
        Map<String, float[]> embeddings = new ConcurrentHashMap<>();
        List<Task> missing = planned.stream().filter(t -> !measured.containsKey(t.key())).toList();
        for (ReplayDetail.Call call : runAll(missing, budget, text -> embeddings.computeIfAbsent(text, embedder::embed))) {
            measured.put(key(call), call);
        }
        List<ReplayDetail.Call> calls = planned.stream().map(t -> measured.get(t.key())).filter(Objects::nonNull).toList();
        Set<String> wholeQuestions = wholeQuestions(planned, measured.keySet());
        ProbeSummary.VariantProbes control = summarise(request, calls, CONTROL, wholeQuestions);
        ProbeSummary.VariantProbes canary = summarise(request, calls, CANARY, wholeQuestions);
        boolean complete = calls.size() == planned.size();
        ReplayContinuation continuation = complete || page == options.maxPages()
                ? null : new ReplayContinuation(request.evidenceKey(), page + 1);
        ProbeSummary.Incomplete incomplete = complete ? null : new ProbeSummary.Incomplete(calls.size(), planned.size(),
                incompleteReason(page, calls.size(), planned.size(), wholeQuestions.size(), request, continuation));
        ProbeSummary summary = new ProbeSummary(request.evidenceKey(), wholeQuestions.size(), control, canary, incomplete);
        ReplayDetail detail = new ReplayDetail(request.evidenceKey(), request.probes().name(), embedder.modelId(),
                request.controlVersion(), request.canaryVersion(), options, summary,
                LambdaClassifier.flips(control.lambda(), canary.lambda()), embeddings.size(), calls);
        evidence.put(request.evidenceKey(), Json.compact(detail));
        return new Result(summary, detail, continuation);
    }

    private String incompleteReason(int page, int measured, int planned, int wholeQuestions, Request request,
                                    ReplayContinuation continuation) {
        String progress = measured + " of " + planned + " probe calls measured, " + wholeQuestions + " of "
                + request.probes().probes().size() + " questions whole";
        return continuation != null
                ? "page " + page + " ran out of time (" + progress + "); page " + continuation.page() + " goes on"
                : "the replay ran out of time on its last page (" + page + " of " + options.maxPages() + "): " + progress;
    }

    private interface EmbeddingCache {
        float[] embed(String text);
    }

    private record Task(String variant, String version, Probe probe, int paraphrase, int seed) {
        String key() {
            return ProbeReplayService.key(variant, probe.id(), paraphrase, seed);
        }
    }

    private static String key(String variant, String questionId, int paraphrase, int seed) {
        return variant + "#" + questionId + "#" + paraphrase + "#" + seed;
    }

    private static String key(ReplayDetail.Call call) {
        return key(call.variant(), call.questionId(), call.paraphrase(), call.seed());
    }

    /**
     * Every call the probe set asks for, question by question with both variants side by side, so a page that runs
     * out of time leaves whole questions measured on both variants rather than one variant measured alone.
     */
    private static List<Task> plan(Request request) {
        List<Task> tasks = new ArrayList<>();
        for (Probe probe : request.probes().probes()) {
            for (int p = 0; p < probe.paraphrases().size(); p++) {
                for (int i = 0; i < SEEDS.size(); i++) {
                    tasks.add(new Task(CONTROL, request.controlVersion(), probe, p, request.seeds().control().get(i)));
                    tasks.add(new Task(CANARY, request.canaryVersion(), probe, p, request.seeds().canary().get(i)));
                }
            }
        }
        return tasks;
    }

    /** The calls earlier pages stored under the request's key that this probe set still asks for. */
    private Map<String, ReplayDetail.Call> earlierCalls(Request request, List<Task> planned) {
        String stored = evidence.get(request.evidenceKey()).orElseThrow(() -> new IllegalStateException(
                "a later page of the replay found nothing under its evidence key " + request.evidenceKey()));
        List<ReplayDetail.Call> calls = Json.MAPPER.convertValue(Json.parse("probe replay detail", stored).path("calls"),
                new TypeReference<List<ReplayDetail.Call>>() {
                });
        Set<String> plannedKeys = planned.stream().map(Task::key).collect(Collectors.toSet());
        Map<String, ReplayDetail.Call> byKey = new HashMap<>();
        for (ReplayDetail.Call call : calls == null ? List.<ReplayDetail.Call>of() : calls) {
            if (plannedKeys.contains(key(call))) {
                byKey.put(key(call), call);
            }
        }
        return byKey;
    }

    private static Set<String> wholeQuestions(List<Task> planned, Set<String> measured) {
        Set<String> partial = planned.stream().filter(t -> !measured.contains(t.key())).map(t -> t.probe().id())
                .collect(Collectors.toSet());
        return planned.stream().map(t -> t.probe().id()).filter(id -> !partial.contains(id))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** Runs the tasks at the configured concurrency; a task that finds the budget spent is left for the next page. */
    private List<ReplayDetail.Call> runAll(List<Task> tasks, ReplayBudget budget, EmbeddingCache cache) {
        ExecutorService pool = Executors.newFixedThreadPool(options.concurrency(), r -> {
            Thread t = new Thread(r, "probe-replay");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ReplayDetail.Call>> futures = new ArrayList<>(tasks.size());
            for (Task task : tasks) {
                futures.add(pool.submit(() -> budget.allowsAnotherCall() ? call(task, cache) : null));
            }
            List<ReplayDetail.Call> out = new ArrayList<>(tasks.size());
            for (Future<ReplayDetail.Call> f : futures) {
                ReplayDetail.Call call = f.get();
                if (call != null) {
                    out.add(call);
                }
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
                    sleeper.sleep(options.backoffAfter(attempts));
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

    /** Aggregates over every call measured; λ only over the questions measured whole. */
    private static ProbeSummary.VariantProbes summarise(Request request, List<ReplayDetail.Call> all, String variant,
                                                        Set<String> wholeQuestions) {
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
            if (!wholeQuestions.contains(probe.id())) {
                continue;
            }
            List<LambdaState> states = new ArrayList<>();
            for (int p = 0; p < probe.paraphrases().size(); p++) {
                List<Integer> seeds = request.seeds().of(variant);
                SeedOutcome first = outcome(byKey.get(probe.id() + "#" + p + "#" + seeds.get(0)));
                SeedOutcome second = outcome(byKey.get(probe.id() + "#" + p + "#" + seeds.get(1)));
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
