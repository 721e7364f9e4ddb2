package dev.ragcanary.core.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.rollout.Thresholds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ProbeReplayServiceTest {
    private static final ReplayOptions OPTIONS = new ReplayOptions(4, Duration.ofSeconds(1), 3, Duration.ofMillis(100), 3);

    /** Bag of words hashed into 64 dimensions: same words, same vector; counts how often each text is embedded. */
    static final class WordEmbedder implements Embedder {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        @Override
        public String modelId() {
            return "words-64";
        }

        @Override
        public float[] embed(String text) {
            calls.computeIfAbsent(text, t -> new AtomicInteger()).incrementAndGet();
            float[] v = new float[64];
            for (String w : text.toLowerCase().split("[^a-z0-9]+")) {
                if (!w.isEmpty()) {
                    v[Math.floorMod(w.hashCode(), 64)] += 1;
                }
            }
            return v;
        }
    }

    static final class MemoryEvidence implements EvidenceStore {
        final Map<String, String> docs = new ConcurrentHashMap<>();

        @Override
        public String put(String key, String json) {
            docs.put(key, json);
            return "mem://" + key;
        }

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(docs.get(key));
        }
    }

    /** Answers by a function of (version, payload); records every call. */
    static final class ScriptedTarget implements ProbeTarget {
        final BiFunction<String, JsonNode, Invocation> script;
        final List<String> calls = new CopyOnWriteArrayList<>();

        ScriptedTarget(BiFunction<String, JsonNode, Invocation> script) {
            this.script = script;
        }

        @Override
        public Invocation invoke(String version, JsonNode payload, Duration timeout) {
            calls.add(version + "|" + payload.get("question").asText() + "|" + payload.get("seed").asInt());
            return script.apply(version, payload);
        }
    }

    /** A valid response retrieving {@code section} with {@code text}. */
    static ObjectNode response(String section, String text) {
        ObjectNode r = Json.MAPPER.createObjectNode().put("answer", text);
        r.putArray("retrieved").addObject().put("sectionId", section).put("text", text).put("score", 1.5);
        r.putObject("index").put("INDEX_HASH", "0xabc").put("metric", "bm25").put("analyzer", "english");
        r.putObject("cache").put("prefix", "v1:").put("hit", false);
        return r;
    }

    /** Echoes the question back as the retrieved text from the probe's target: ΔS 0, coverage 1. */
    static ProbeTarget.Invocation echo(JsonNode payload) {
        return new ProbeTarget.Invocation(response("s-" + payload.get("probeId").asText(), payload.get("question").asText()), 5, null);
    }

    static ProbeSet probes(int n) {
        List<Probe> probes = IntStream.range(0, n).mapToObj(i -> new Probe("q" + i, "topic" + (i % 4),
                "question " + i, List.of("alpha " + i, "beta " + i, "gamma " + i), List.of("s-q" + i), null, null)).toList();
        return new ProbeSet("test", probes);
    }

    private final WordEmbedder embedder = new WordEmbedder();
    private final MemoryEvidence evidence = new MemoryEvidence();
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

    private ProbeReplayService.Result replay(ProbeTarget target, ProbeSet set) {
        return new ProbeReplayService(target, embedder, evidence, OPTIONS, sleeps::add)
                .replay(new ProbeReplayService.Request(set, "41", "42", Thresholds.DEFAULTS, "r/probes/five.json"));
    }

    @Test
    void asksEveryParaphraseWithTwoSeedsOfBothVersions() {
        ScriptedTarget target = new ScriptedTarget((v, p) -> echo(p));
        ProbeSummary s = replay(target, probes(2)).summary();

        assertThat(target.calls).hasSize(2 * 3 * 2 * 2).contains("41|alpha 0|1", "41|alpha 0|2", "42|gamma 1|2");
        assertThat(s.questions()).isEqualTo(2);
        assertThat(s.canary().calls()).isEqualTo(12);
        assertThat(s.canary().deltaS()).isEqualTo(new ProbeSummary.DeltaS(0.0, 0.0, 12));
        assertThat(s.canary().coverage().mean()).isEqualTo(1.0);
        assertThat(s.canary().coverage().byTopic()).containsOnlyKeys("topic0", "topic1");
        assertThat(s.canary().lambda()).containsEntry("q0", List.of(LambdaState.CONVERGENT, LambdaState.CONVERGENT, LambdaState.CONVERGENT));
        assertThat(s.evidenceKey()).isEqualTo("r/probes/five.json");
    }

    @Test
    void aContractViolationIsRecordedForThatProbeOnly() {
        ScriptedTarget target = new ScriptedTarget((v, p) -> {
            if (v.equals("42") && p.get("question").asText().equals("beta 0") && p.get("seed").asInt() == 2) {
                ObjectNode broken = response("s-q0", "text");
                ((ObjectNode) broken.get("retrieved").get(0)).put("score", "high");
                broken.remove("cache");
                return new ProbeTarget.Invocation(broken, 3, null);
            }
            return echo(p);
        });
        ProbeReplayService.Result r = replay(target, probes(2));

        assertThat(r.summary().canary().schemaViolations()).isEqualTo(1);
        assertThat(r.summary().canary().errors()).isZero();
        assertThat(r.summary().canary().lambda().get("q0")).containsExactly(LambdaState.CONVERGENT, LambdaState.CHAOTIC, LambdaState.CONVERGENT);
        assertThat(r.summary().control().schemaViolations()).isZero();
        ReplayDetail.Call bad = r.detail().calls().stream().filter(ReplayDetail.Call::violated).findFirst().orElseThrow();
        assertThat(bad.schemaViolations()).anySatisfy(m -> assertThat(m).contains("$.retrieved[0].score"))
                .anySatisfy(m -> assertThat(m).contains("cache"));
        assertThat(r.detail().flips()).containsExactly(new LambdaClassifier.Flip("q0", 1, LambdaState.CONVERGENT, LambdaState.CHAOTIC));
    }

    @Test
    void aProbesOwnResponseSchemaIsCheckedToo() {
        JsonNode extra = Json.parse("schema", "{\"type\":\"object\",\"required\":[\"citations\"]}");
        Probe strict = new Probe("q0", "t", "q", List.of("a", "b", "c"), List.of("s-q0"), null, extra);
        ProbeSet set = new ProbeSet("test", List.of(strict));

        ProbeSummary s = replay(new ScriptedTarget((v, p) -> echo(p)), set).summary();

        assertThat(s.control().schemaViolations()).isEqualTo(6);
    }

    @Test
    void throttledCallsAreRetriedWithDoublingBackoff() {
        AtomicInteger throttles = new AtomicInteger(2);
        ScriptedTarget target = new ScriptedTarget((v, p) -> {
            if (p.get("question").asText().equals("alpha 0") && v.equals("41") && p.get("seed").asInt() == 1
                    && throttles.getAndDecrement() > 0) {
                throw new ProbeTarget.ThrottledException("Rate exceeded");
            }
            return echo(p);
        });
        ProbeReplayService.Result r = replay(target, probes(1));

        assertThat(r.summary().control().errors()).isZero();
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(r.detail().calls().stream().filter(c -> c.attempts() == 3)).hasSize(1);
    }

    @Test
    void throttlingPastTheLastAttemptIsAnErrorNotACrash() {
        ScriptedTarget target = new ScriptedTarget((v, p) -> {
            if (v.equals("42")) {
                throw new ProbeTarget.ThrottledException("Rate exceeded");
            }
            return echo(p);
        });
        ProbeReplayService.Result r = replay(target, probes(1));

        assertThat(r.summary().canary().errors()).isEqualTo(6);
        assertThat(r.summary().canary().deltaS().count()).isZero();
        assertThat(r.detail().calls()).filteredOn(c -> c.variant().equals("canary"))
                .allSatisfy(c -> assertThat(c.failureClass()).isEqualTo("429:Throttled"))
                .allSatisfy(c -> assertThat(c.attempts()).isEqualTo(3));
        assertThat(r.summary().canary().lambda().get("q0")).containsOnly(LambdaState.CHAOTIC);
    }

    @Test
    void otherFailuresAreNeverRetried() {
        ScriptedTarget target = new ScriptedTarget((v, p) -> v.equals("42")
                ? new ProbeTarget.Invocation(null, 12, "5xx:UpstreamTimeout")
                : echo(p));
        ProbeReplayService.Result r = replay(target, probes(1));

        assertThat(target.calls).hasSize(12);
        assertThat(sleeps).isEmpty();
        assertThat(r.summary().canary().errors()).isEqualTo(6);
    }

    @Test
    void aTargetThatThrowsIsRecordedAsAnError() {
        ScriptedTarget target = new ScriptedTarget((v, p) -> {
            if (v.equals("42")) {
                throw new IllegalStateException("bug in the adapter");
            }
            return echo(p);
        });
        ProbeReplayService.Result r = replay(target, probes(1));

        assertThat(r.detail().calls()).filteredOn(c -> c.variant().equals("canary"))
                .allSatisfy(c -> assertThat(c.failureClass()).isEqualTo("replay:IllegalStateException"));
    }

    @Test
    void eachTextIsEmbeddedOncePerRun() {
        // both variants retrieve the same text for every probe: 1 shared retrieved text, 6 distinct paraphrases
        ScriptedTarget target = new ScriptedTarget((v, p) -> new ProbeTarget.Invocation(response("s-q0", "the runbook"), 1, null));
        ProbeReplayService.Result r = replay(target, probes(1));

        assertThat(embedder.calls.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(embedder.calls).hasSize(4);
        assertThat(r.detail().embeddingsComputed()).isEqualTo(4);
    }

    @Test
    void nothingRetrievedScoresDeltaSOneAndCoverageZero() {
        ScriptedTarget target = new ScriptedTarget((v, p) -> {
            ObjectNode empty = response("x", "x");
            empty.putArray("retrieved");
            return new ProbeTarget.Invocation(empty, 1, null);
        });
        ProbeSummary s = replay(target, probes(1)).summary();

        assertThat(s.control().deltaS().median()).isEqualTo(1.0);
        assertThat(s.control().coverage().mean()).isEqualTo(0.0);
        assertThat(s.control().lambda().get("q0")).containsOnly(LambdaState.DIVERGENT);
    }

    @Test
    void fullDetailGoesToTheEvidenceStore() {
        replay(new ScriptedTarget((v, p) -> echo(p)), probes(1));

        JsonNode stored = Json.parse("evidence", evidence.docs.get("r/probes/five.json"));
        assertThat(stored.get("calls")).hasSize(12);
        assertThat(stored.get("embedder").asText()).isEqualTo("words-64");
        assertThat(stored.at("/calls/0/index/INDEX_HASH").asText()).isEqualTo("0xabc");
        assertThat(stored.at("/options/callTimeoutMs").asLong()).isEqualTo(1000);
        assertThat(stored.at("/summary/canary/lambda/q0/0").asText()).isEqualTo("→");
    }

    @Test
    void summaryOf200QuestionsStaysUnder32KilobytesWithTheWorstCaseStates() {
        // every canary paraphrase differs from control and the states vary, so nothing compresses into repeats
        AtomicInteger n = new AtomicInteger();
        ScriptedTarget target = new ScriptedTarget((v, p) -> switch (n.incrementAndGet() % 3) {
            case 0 -> new ProbeTarget.Invocation(null, 1, "5xx:UpstreamTimeout");
            case 1 -> echo(p);
            default -> new ProbeTarget.Invocation(response("other-" + p.get("seed").asInt(), "unrelated words here"), 1, null);
        });
        ProbeSet set = probes(200);
        ProbeSummary s = new ProbeReplayService(target, embedder, evidence, OPTIONS.withConcurrency(32), sleeps::add)
                .replay(new ProbeReplayService.Request(set, "41", "42", Thresholds.DEFAULTS,
                        "rollouts/a-rollout-id-of-realistic-length-v42/probes/twentyfive/20260101T000000.000Z.json"))
                .summary();

        byte[] json = Json.compact(s).getBytes(StandardCharsets.UTF_8);
        assertThat(s.canary().lambda()).hasSize(200);
        assertThat(json.length).isLessThan(32 * 1024);
    }

    // Paging: a fake clock where each call takes one second of the invocation's remaining time; one call at a time,
    // so a budget of n seconds beyond the reserve is exactly n calls.
    private static final ReplayOptions ONE_AT_A_TIME = OPTIONS.withConcurrency(1);
    private static final String KEY = "rollouts/r-v42/probes/five/20260301T101530.000Z.json";
    private final AtomicLong remainingMs = new AtomicLong();
    private final ScriptedTarget timedTarget = new ScriptedTarget((v, p) -> {
        remainingMs.addAndGet(-1000);
        return echo(p);
    });

    /** A fresh invocation with time for {@code calls} one-second calls before the reserve. */
    private ReplayBudget budgetFor(int calls) {
        remainingMs.set(ReplayBudget.reserve(ONE_AT_A_TIME).toMillis() + calls * 1000L);
        return ReplayBudget.ofRemainingTime(remainingMs::get, ONE_AT_A_TIME);
    }

    private ProbeReplayService.Result page(int page, ReplayBudget budget) {
        return new ProbeReplayService(timedTarget, embedder, evidence, ONE_AT_A_TIME, sleeps::add)
                .replay(new ProbeReplayService.Request(probes(2), "41", "42", Thresholds.DEFAULTS, KEY), page, budget);
    }

    @Test
    void aPageStopsStartingCallsBeforeItsBudgetIsSpentAndMarksWhatItMeasuredIncomplete() {
        ProbeReplayService.Result first = page(1, budgetFor(14));

        assertThat(timedTarget.calls).hasSize(14);
        assertThat(remainingMs.get()).isGreaterThanOrEqualTo(ReplayBudget.reserve(ONE_AT_A_TIME).toMillis());
        assertThat(first.complete()).isFalse();
        assertThat(first.continuation()).isEqualTo(new ReplayContinuation(KEY, 2));
        ProbeSummary.Incomplete incomplete = first.summary().incomplete();
        assertThat(incomplete.measured()).isEqualTo(14);
        assertThat(incomplete.planned()).isEqualTo(24);
        assertThat(incomplete.reason()).isEqualTo("page 1 ran out of time (14 of 24 probe calls measured, 1 of 2"
                + " questions whole); page 2 goes on");
        // Both variants side by side: q0 is measured whole on both, q1 only partly, so only q0 has λ states.
        assertThat(first.summary().questions()).isEqualTo(1);
        assertThat(first.summary().control().lambda()).containsOnlyKeys("q0");
        assertThat(first.summary().canary().lambda()).containsOnlyKeys("q0");
        assertThat(first.summary().control().calls() + first.summary().canary().calls()).isEqualTo(14);
        assertThat(Json.parse("evidence", evidence.docs.get(KEY)).get("calls")).hasSize(14);
    }

    @Test
    void theNextPageMeasuresOnlyWhatIsMissingAndEndsWithTheSummaryOfAOnePageReplay() {
        page(1, budgetFor(14));
        List<String> firstPageCalls = List.copyOf(timedTarget.calls);
        timedTarget.calls.clear();

        ProbeReplayService.Result second = page(2, budgetFor(100));

        assertThat(timedTarget.calls).hasSize(10).doesNotContainAnyElementsOf(firstPageCalls);
        assertThat(second.complete()).isTrue();
        assertThat(second.continuation()).isNull();
        assertThat(second.detail().calls()).hasSize(24);
        ProbeSummary onePage = new ProbeReplayService(timedTarget, embedder, new MemoryEvidence(), ONE_AT_A_TIME, sleeps::add)
                .replay(new ProbeReplayService.Request(probes(2), "41", "42", Thresholds.DEFAULTS, KEY)).summary();
        assertThat(second.summary()).isEqualTo(onePage);
    }

    @Test
    void aRetriedPageCountsEveryCallOnce() {
        page(1, budgetFor(14));
        page(2, budgetFor(5));   // its reply is lost after it stored 19 calls: the state machine runs page 2 again

        ProbeReplayService.Result retried = page(2, budgetFor(100));

        assertThat(timedTarget.calls).hasSize(24).doesNotHaveDuplicates();
        assertThat(retried.complete()).isTrue();
        assertThat(retried.summary().control().calls()).isEqualTo(12);
        assertThat(retried.summary().canary().calls()).isEqualTo(12);
        assertThat(retried.detail().calls()).extracting(c -> c.variant() + c.questionId() + c.paraphrase() + c.seed())
                .hasSize(24).doesNotHaveDuplicates();
    }

    @Test
    void theLastPageReturnsWhatWasMeasuredMarkedIncompleteAndNoContinuation() {
        page(1, budgetFor(14));
        page(2, budgetFor(0));

        ProbeReplayService.Result last = page(3, budgetFor(5));

        assertThat(last.continuation()).isNull();
        assertThat(last.summary().incomplete()).isEqualTo(new ProbeSummary.Incomplete(19, 24,
                "the replay ran out of time on its last page (3 of 3): 19 of 24 probe calls measured, 1 of 2 questions whole"));
        assertThat(Json.parse("evidence", evidence.docs.get(KEY)).at("/summary/incomplete/measured").asInt()).isEqualTo(19);
    }

    @Test
    void aLaterPageWithNothingStoredUnderItsKeyFailsRatherThanStartingOver() {
        assertThatThrownBy(() -> page(2, budgetFor(100)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(KEY);
        assertThat(timedTarget.calls).isEmpty();
    }
}
