package dev.ragcanary.embeddings;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.ragcanary.core.ports.Embedder;
import java.util.List;

/**
 * The default embedder: all-MiniLM-L6-v2, quantized, run in-process with ONNX Runtime from the model bundled in the
 * jar. No network, pinned by the artifact version, so ΔS compares across versions and runs. Thread-safe; loading the
 * model takes about a second, so build one per process.
 */
public final class MiniLmEmbedder implements Embedder {
    public static final String MODEL_ID = "all-MiniLM-L6-v2-q";

    private final AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();

    @Override
    public String modelId() {
        return MODEL_ID;
    }

    @Override
    public float[] embed(String text) {
        return model.embed(text).content().vector();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        return model.embedAll(texts.stream().map(TextSegment::from).toList()).content().stream()
                .map(e -> e.vector())
                .toList();
    }
}
