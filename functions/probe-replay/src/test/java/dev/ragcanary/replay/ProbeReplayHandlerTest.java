package dev.ragcanary.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.evidence.LocalFolderEvidenceStore;
import dev.ragcanary.core.gate.ProbeSummary;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.probe.ProbeSetParser;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import dev.ragcanary.sample.SampleRag;
import dev.ragcanary.sample.SampleRagConfig;
import dev.ragcanary.sample.SampleRagTarget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeReplayHandlerTest {
    private static final Path EVENTS = Path.of("../../events/probe-replay");
    private static final Path GOLD = Path.of("../../events/probes/gold.json");
    private static final MiniLmEmbedder EMBEDDER = new MiniLmEmbedder();

    @TempDir
    Path evidenceDir;

    private final List<String> functionsTargeted = new ArrayList<>();
    private final List<String> probeSetsLoaded = new ArrayList<>();

    private ProbeReplayHandler handler() {
        SampleRagTarget target = new SampleRagTarget(Map.of(
                "41", new SampleRag(SampleRagConfig.DEFAULTS),
                "42", new SampleRag(SampleRagConfig.DEFAULTS.with("analyzer", "whitespace"))));
        return new ProbeReplayHandler(new ProbeReplayHandler.Dependencies(
                fn -> {
                    functionsTargeted.add(fn);
                    return target;
                },
                EMBEDDER,
                new LocalFolderEvidenceStore(evidenceDir),
                location -> {
                    probeSetsLoaded.add(location);
                    try {
                        return ProbeSetParser.parse(Files.readString(GOLD));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                ReplayOptions.DEFAULTS.withConcurrency(4),
                Clock.fixed(Instant.parse("2026-03-01T10:15:30Z"), ZoneOffset.UTC)));
    }

    private String invoke(String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(EVENTS.resolve(event))) {
            handler().handleRequest(in, out, null);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void replaysTheStageAndReturnsASmallSummary() throws IOException {
        String output = invoke("stage-five.json");
        ProbeSummary summary = Json.MAPPER.readValue(output, ProbeSummary.class);

        assertThat(functionsTargeted).containsExactly("rag-answer");
        assertThat(probeSetsLoaded).containsExactly("s3://rag-canary-probes/gold.json");
        assertThat(summary.evidenceKey()).isEqualTo("rollouts/rag-answer-live-v42/probes/five/20260301T101530.000Z.json");
        assertThat(summary.questions()).isEqualTo(52);
        assertThat(summary.control().calls()).isEqualTo(52 * 6);
        assertThat(summary.canary().coverage().mean()).isLessThan(summary.control().coverage().mean());
        assertThat(output.getBytes(StandardCharsets.UTF_8).length).isLessThan(32 * 1024);
        String detail = Files.readString(evidenceDir.resolve(summary.evidenceKey()));
        assertThat(Json.parse("detail", detail).get("calls")).hasSize(52 * 6 * 2);
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

        assertThatThrownBy(() -> handler().handleRequest(new java.io.ByteArrayInputStream(input), new ByteArrayOutputStream(), null))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList()).asList()
                .contains("$.rollout.target.alias", "$.rollout.regions");
        assertThat(functionsTargeted).isEmpty();
    }
}
