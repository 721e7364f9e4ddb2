package dev.ragcanary.replay;

import java.io.ByteArrayInputStream;
import com.fasterxml.jackson.databind.node.ObjectNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.probe.ProbeSetParser;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.probe.ReplayBudget;
import dev.ragcanary.core.probe.ReplayContinuation;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import dev.ragcanary.sample.SampleRag;
import dev.ragcanary.sample.SampleRagConfig;
import dev.ragcanary.sample.SampleRagTarget;
import dev.ragcanary.testsupport.InMemoryEvidenceStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class ProbeReplayHandlerTest {
    private static final Path EVENTS = Path.of("../../events/probe-replay");
    private static final Path GOLD = Path.of("../../events/probes/gold.json");
    private static final MiniLmEmbedder EMBEDDER = new MiniLmEmbedder();

    private final InMemoryEvidenceStore evidence = new InMemoryEvidenceStore();

    private static final long FIFTEEN_MINUTES = 900_000;
    private static final ReplayOptions OPTIONS = ReplayOptions.DEFAULTS.withConcurrency(4);
    private static final SampleRagTarget TARGET = new SampleRagTarget(Map.of(
            "41", new SampleRag(SampleRagConfig.DEFAULTS),
            "42", new SampleRag(SampleRagConfig.DEFAULTS.with("analyzer", "whitespace"))));

    private final List<String> functionsTargeted = new ArrayList<>();
    private final List<String> probeSetsLoaded = new ArrayList<>();
    /** The invocation's remaining time; each call to the target takes a second of it. */
    private final AtomicLong remainingMs = new AtomicLong(FIFTEEN_MINUTES);
    private final AtomicInteger targetCalls = new AtomicInteger();

    private ProbeReplayHandler handler() {
        ProbeTarget timed = (version, payload, timeout) -> {
            remainingMs.addAndGet(-1000);
            targetCalls.incrementAndGet();
            return TARGET.invoke(version, payload, timeout);
        };
        return new ProbeReplayHandler(new ProbeReplayHandler.Dependencies(
                (region, fn) -> {
                    functionsTargeted.add(fn + " in " + region);
                    return timed;
                },
                EMBEDDER,
                evidence,
                location -> {
                    probeSetsLoaded.add(location);
                    try {
                        return ProbeSetParser.parse(Files.readString(GOLD));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                OPTIONS,
                Clock.fixed(Instant.parse("2026-03-01T10:15:30Z"), ZoneOffset.UTC)));
    }

    private String invoke(String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(EVENTS.resolve(event))) {
            handler().handleRequest(in, out, remainingTime(remainingMs::get));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void replaysTheStageAndReturnsASmallSummary() throws IOException {
        String output = invoke("stage-five.json");
        ProbeReplayHandler.Page page = Json.MAPPER.readValue(output, ProbeReplayHandler.Page.class);
        ProbeSummary summary = page.summary();

        assertThat(page.complete()).isTrue();
        assertThat(Json.parse("output", output).has("continuation")).as("the stage machine's Choice tests IsPresent").isFalse();
        assertThat(summary.incomplete()).isNull();
        assertThat(functionsTargeted).as("the pilot region's versions, invoked there").containsExactly("rag-answer in us-east-1");
        assertThat(probeSetsLoaded).containsExactly("s3://rag-canary-probes/gold.json");
        assertThat(summary.evidenceKey()).isEqualTo("rollouts/rag-answer-live-v42/probes/five/20260301T101530.000Z.json");
        assertThat(summary.questions()).isEqualTo(52);
        assertThat(summary.control().calls()).isEqualTo(52 * 6);
        assertThat(summary.canary().coverage().mean()).isLessThan(summary.control().coverage().mean());
        assertThat(output.getBytes(StandardCharsets.UTF_8).length).isLessThan(32 * 1024);
        String detail = evidence.get(summary.evidenceKey()).orElseThrow();
        assertThat(Json.parse("detail", detail).get("calls")).hasSize(52 * 6 * 2);
    }

    @Test
    void aPilotRegionNumberingTheCanaryDifferentlyIsReplayedInThatRegionWithItsVersion() throws IOException {
        ObjectNode input = (ObjectNode) Json.parse("event", Files.readString(EVENTS.resolve("stage-five.json")));
        ObjectNode rollout = (ObjectNode) input.get("rollout");
        rollout.putArray("regions").add("us-west-2").add("us-east-1");
        ((ObjectNode) rollout.get("target")).putObject("canaryVersions").put("us-west-2", "17");
        input.put("controlVersion", "16");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        handler().handleRequest(new ByteArrayInputStream(Json.compact(input).getBytes(StandardCharsets.UTF_8)), out,
                remainingTime(remainingMs::get));

        assertThat(functionsTargeted).containsExactly("rag-answer in us-west-2");
        String key = Json.MAPPER.readValue(out.toString(StandardCharsets.UTF_8), ProbeReplayHandler.Page.class)
                .summary().evidenceKey();
        assertThat(Json.parse("detail", evidence.get(key).orElseThrow()).get("calls"))
                .extracting(call -> call.get("variant").asText() + " " + call.get("version").asText()).containsOnly(
                        "control 16", "canary 17");
    }

    @Test
    void anUnknownStageIsRefusedBeforeAnyCall() {
        assertThatThrownBy(() -> invoke("unknown-stage.json"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.stage: names no stage of the plan: \"seventy\"");
        assertThat(functionsTargeted).isEmpty();
    }

    @Test
    void everyMissingFieldIsReported() {
        assertThatThrownBy(() -> invoke("missing-fields.json"))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList()).asList()
                .containsExactlyInAnyOrder("$.extra", "$.controlVersion", "$.rollout");
    }

    @Test
    void aBadPlanIsReportedUnderTheRolloutPath() {
        byte[] input = ("{\"stage\": \"five\", \"controlVersion\": \"41\", "
                + "\"rollout\": {\"target\": {\"functionName\": \"rag-answer\"}}}").getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> handler().handleRequest(new java.io.ByteArrayInputStream(input), new ByteArrayOutputStream(),
                remainingTime(remainingMs::get)))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList()).asList()
                .contains("$.rollout.target.alias");
        assertThat(functionsTargeted).isEmpty();
    }

    @Test
    void aPageStopsBeforeLambdasTimeoutAndTheNextPageFinishesTheReplayUnderTheSameKey() throws IOException {
        long reserve = ReplayBudget.reserve(OPTIONS).toMillis();
        remainingMs.set(reserve + 300_000);   // five minutes of one-second calls beyond what the reserve keeps back

        ProbeReplayHandler.Page first = Json.MAPPER.readValue(invoke("stage-five.json"), ProbeReplayHandler.Page.class);

        String key = "rollouts/rag-answer-live-v42/probes/five/20260301T101530.000Z.json";
        assertThat(first.complete()).isFalse();
        assertThat(first.continuation()).isEqualTo(new ReplayContinuation(key, 2));
        assertThat(first.summary().incomplete().planned()).isEqualTo(52 * 12);
        // Calls already running when the budget ran out still finish: at most one per thread beyond it.
        assertThat(first.summary().incomplete().measured()).isEqualTo(targetCalls.get()).isBetween(300, 300 + 3);
        assertThat(remainingMs.get()).isGreaterThan(reserve - 4_000);
        assertThat(first.summary().incomplete().reason()).startsWith("page 1 ran out of time (");

        remainingMs.set(FIFTEEN_MINUTES);
        String output = invoke("stage-five-page-2.json");
        ProbeReplayHandler.Page second = Json.MAPPER.readValue(output, ProbeReplayHandler.Page.class);

        assertThat(targetCalls.get()).as("no call made twice").isEqualTo(52 * 12);
        assertThat(second.complete()).isTrue();
        assertThat(second.continuation()).isNull();
        assertThat(second.summary().evidenceKey()).isEqualTo(key);
        assertThat(second.summary().questions()).isEqualTo(52);
        assertThat(second.summary().control().calls() + second.summary().canary().calls()).isEqualTo(52 * 12);
        assertThat(Json.parse("detail", evidence.get(key).orElseThrow()).get("calls")).hasSize(52 * 12);
        assertThat(functionsTargeted).containsExactly("rag-answer in us-east-1", "rag-answer in us-east-1");
    }

    @Test
    void aContinuationOfAnotherReplayOrPastTheLastPageIsRefusedBeforeAnyCall() {
        byte[] input = ("{\"stage\": \"five\", \"controlVersion\": \"41\", \"rollout\": "
                + Json.compact(Json.parse("event", readEvent("stage-five.json")).get("rollout"))
                + ", \"continuation\": {\"evidenceKey\": \"rollouts/another-rollout/probes/five/x.json\", \"page\": 4}}")
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> handler().handleRequest(new java.io.ByteArrayInputStream(input), new ByteArrayOutputStream(),
                remainingTime(remainingMs::get)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.continuation.page: must be at most 3 (PROBE_MAX_PAGES) but was 4");
        byte[] otherRollout = new String(input, StandardCharsets.UTF_8).replace("\"page\": 4", "\"page\": 2")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> handler().handleRequest(new java.io.ByteArrayInputStream(otherRollout),
                new ByteArrayOutputStream(), remainingTime(remainingMs::get)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.continuation.evidenceKey: must be a replay of this rollout, stage and purpose"
                        + " (rollouts/rag-answer-live-v42/probes/five/*.json)");
        assertThat(targetCalls).hasValue(0);
    }

    private static String readEvent(String name) {
        try {
            return Files.readString(EVENTS.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lambda's context as far as the handler reads it: the invocation's remaining time. */
    private static Context remainingTime(LongSupplier remainingMs) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getRemainingTimeInMillis")) {
                        throw new UnsupportedOperationException("the handler reads only the remaining time, not " + method);
                    }
                    return (int) remainingMs.getAsLong();
                });
    }
}
