package dev.ragcanary.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.probe.RagResponseContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SampleRagTest {
    private static final SampleRag DEFAULT = new SampleRag(SampleRagConfig.DEFAULTS);

    private static List<String> sections(JsonNode response) {
        List<String> out = new ArrayList<>();
        response.get("retrieved").forEach(s -> out.add(s.get("sectionId").asText()));
        return out;
    }

    @Test
    void answersWithTheDataContract() {
        ObjectNode response = DEFAULT.answer("How do I roll back by hand?", 1);

        assertThat(new RagResponseContract().violations(response, null)).isEmpty();
        assertThat(sections(response)).containsExactly("manual-rollback");
        assertThat(response.at("/index/metric").asText()).isEqualTo("bm25");
        assertThat(response.at("/index/analyzer").asText()).isEqualTo("english");
        assertThat(response.at("/index/INDEX_HASH").asText()).matches("0x[0-9a-f]{12}");
        assertThat(response.get("answer").asText()).startsWith("Rolling back by hand.");
    }

    @Test
    void topKSetsHowManySnippetsComeBack() {
        assertThat(new SampleRag(SampleRagConfig.DEFAULTS.with("topK", 4)).answer("What does a rollback do?", 1).get("retrieved")).hasSize(4);
    }

    @Test
    void theStaleIndexMissesNewSectionsAndHasAnotherHash() {
        SampleRag stale = new SampleRag(SampleRagConfig.DEFAULTS.with("staleIndex", true));
        String question = "What is a cache prefix collision?";

        assertThat(sections(DEFAULT.answer(question, 1))).containsExactly("cache-collision");
        assertThat(sections(stale.answer(question, 1))).doesNotContain("cache-collision");
        assertThat(stale.fingerprint().indexHash()).isNotEqualTo(DEFAULT.fingerprint().indexHash());
    }

    @Test
    void chunkSizeChangesTheIndexButNotTheAnalyzer() {
        SampleRag wide = new SampleRag(SampleRagConfig.DEFAULTS.with("chunkWords", 200));
        assertThat(wide.fingerprint().indexHash()).isNotEqualTo(DEFAULT.fingerprint().indexHash());
        assertThat(new SampleRag(SampleRagConfig.DEFAULTS.with("analyzer", "whitespace")).fingerprint())
                .satisfies(f -> assertThat(f.indexHash()).isEqualTo(DEFAULT.fingerprint().indexHash()))
                .satisfies(f -> assertThat(f.analyzer()).isEqualTo("whitespace"));
    }

    @Test
    void theWhitespaceAnalyzerMissesWhatStemmingFinds() {
        SampleRag whitespace = new SampleRag(SampleRagConfig.DEFAULTS.with("analyzer", "whitespace"));
        // whitespace analysis keeps case, punctuation ("time?") and inflections ("approves" vs "approve"), so it misses
        String question = "What happens if nobody approves a stage in time?";

        assertThat(sections(DEFAULT.answer(question, 1))).containsExactly("approvals");
        assertThat(sections(whitespace.answer(question, 1))).doesNotContain("approvals");
    }

    @Test
    void rerankNoiseDependsOnTheSeedOnly() {
        SampleRag noisy = new SampleRag(SampleRagConfig.DEFAULTS.with("topK", 3).with("rerankNoise", 0.5));
        List<String> questions = List.of("What does a rollback do?", "How are users assigned to buckets?",
                "What is the latency rule?", "How does probe replay work?", "What are cache prefixes for?");

        for (String q : questions) {
            assertThat(sections(noisy.answer(q, 7))).as("same seed, same ranking").isEqualTo(sections(noisy.answer(q, 7)));
        }
        assertThat(questions).anySatisfy(q -> assertThat(sections(noisy.answer(q, 1))).isNotEqualTo(sections(noisy.answer(q, 2))));
    }

    @Test
    void injectedErrorsHitTheConfiguredShareOfQuestionSeedPairs() {
        SampleRag flaky = new SampleRag(SampleRagConfig.DEFAULTS.with("errorRate", 0.25));
        long failures = IntStream.range(0, 400).filter(i -> {
            try {
                flaky.answer("question number " + i, i % 2 + 1);
                return false;
            } catch (SampleRag.UpstreamTimeoutException e) {
                return true;
            }
        }).count();

        assertThat(failures).isBetween(70L, 130L);
        assertThatThrownBy(() -> new SampleRag(SampleRagConfig.DEFAULTS.with("errorRate", 1.0)).answer("q", 1))
                .isInstanceOf(SampleRag.UpstreamTimeoutException.class);
    }

    @Test
    void aRepeatedQuestionAndSeedIsACacheHit() {
        SampleRag rag = new SampleRag(SampleRagConfig.DEFAULTS.with("cachePrefix", "v2-cnr:"));
        assertThat(rag.answer("What is ΔS?", 1).at("/cache/hit").asBoolean()).isFalse();
        JsonNode second = rag.answer("What is ΔS?", 1);
        assertThat(second.at("/cache/hit").asBoolean()).isTrue();
        assertThat(second.at("/cache/prefix").asText()).isEqualTo("v2-cnr:");
    }

    @Test
    void namedSettingsOverlayTheConfigurationAndUnknownNamesOrBadValuesAreRefused() {
        assertThat(SampleRagConfig.DEFAULTS.with(Map.of("topK", IntNode.valueOf(3), "analyzer", TextNode.valueOf("standard"))))
                .isEqualTo(SampleRagConfig.DEFAULTS.with("topK", 3).with("analyzer", "standard"));
        assertThatThrownBy(() -> SampleRagConfig.DEFAULTS.with(Map.of("topk", IntNode.valueOf(3), "colour", TextNode.valueOf("red"))))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList()).asList()
                .containsExactlyInAnyOrder("topk", "colour");
        assertThatThrownBy(() -> SampleRagConfig.DEFAULTS.with(Map.of("topK", TextNode.valueOf("many"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("topK: cannot read \"many\"");
        assertThatThrownBy(() -> SampleRagConfig.DEFAULTS.with(Map.of("topK", IntNode.valueOf(0))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("topK: must be between 1 and 50");
        assertThatThrownBy(() -> SampleRagConfig.DEFAULTS.with(Map.of("colour", TextNode.valueOf("red"),
                "topK", IntNode.valueOf(0), "staleIndex", TextNode.valueOf("maybe"))))
                .as("an unknown name, an unreadable value and an out-of-range value, all at once")
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList()).asList()
                .containsExactlyInAnyOrder("colour", "topK", "staleIndex");
    }

    @Test
    void configurationFromTheEnvironmentReportsEveryBadValue() {
        assertThat(SampleRagConfig.fromEnv(Map.of("RAG_ANALYZER", "whitespace", "RAG_TOP_K", "5", "RAG_STALE_INDEX", "true")))
                .isEqualTo(SampleRagConfig.DEFAULTS.with("analyzer", "whitespace").with("topK", 5).with("staleIndex", true));
        assertThatThrownBy(() -> SampleRagConfig.fromEnv(Map.of("RAG_TOP_K", "many", "RAG_STALE_INDEX", "yes")))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList()).asList()
                .containsExactlyInAnyOrder("RAG_TOP_K", "RAG_STALE_INDEX");
        assertThatThrownBy(() -> SampleRagConfig.DEFAULTS.with("analyzer", "klingon").with("topK", 0))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("analyzer");
    }

    @Test
    void inProcessTargetBehavesLikeALambdaInvoke() {
        SampleRagTarget target = new SampleRagTarget(Map.of(
                "41", DEFAULT,
                "42", new SampleRag(SampleRagConfig.DEFAULTS.with("errorRate", 1.0)),
                "43", new SampleRag(SampleRagConfig.DEFAULTS.with("latencyMs", 200))));
        JsonNode payload = Json.MAPPER.createObjectNode().put("question", "What is ΔS?").put("seed", 1);

        ProbeTarget.Invocation ok = target.invoke("41", payload, Duration.ofSeconds(1));
        assertThat(ok.failed()).isFalse();
        assertThat(sections(ok.response())).containsExactly("delta-s");
        assertThat(target.invoke("42", payload, Duration.ofSeconds(1)).failureClass()).isEqualTo("5xx:UpstreamTimeoutException");
        assertThat(target.invoke("43", payload, Duration.ofMillis(20)).failureClass()).isEqualTo("timeout");
        assertThat(target.invoke("99", payload, Duration.ofSeconds(1)).failureClass()).isEqualTo("4xx:ResourceNotFoundException");
    }
}
