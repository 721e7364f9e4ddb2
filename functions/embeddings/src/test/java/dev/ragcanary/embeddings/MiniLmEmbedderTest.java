package dev.ragcanary.embeddings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.probe.Scoring;
import java.util.List;
import org.junit.jupiter.api.Test;

class MiniLmEmbedderTest {
    private static final MiniLmEmbedder EMBEDDER = new MiniLmEmbedder();

    @Test
    void embedsIn384DimensionsDeterministically() {
        float[] a = EMBEDDER.embed("How do I roll back a canary?");
        assertThat(a).hasSize(384);
        assertThat(EMBEDDER.embed("How do I roll back a canary?")).containsExactly(a);
        assertThat(EMBEDDER.modelId()).isEqualTo("all-MiniLM-L6-v2-q");
    }

    @Test
    void relatedTextIsCloserThanUnrelatedText() {
        float[] question = EMBEDDER.embed("How do I roll back a canary release?");
        double related = Scoring.deltaS(question, EMBEDDER.embed("A rollback sets the canary weight to zero and purges its cache."));
        double unrelated = Scoring.deltaS(question, EMBEDDER.embed("Preheat the oven and butter the baking tin."));

        assertThat(related).isLessThan(0.6);
        assertThat(unrelated).isGreaterThan(related + 0.3);
    }

    @Test
    void batchEmbeddingMatchesOneByOne() {
        List<float[]> batch = EMBEDDER.embedAll(List.of("first text", "second text"));
        assertThat(batch.get(1)).containsExactly(EMBEDDER.embed("second text"));
    }
}
