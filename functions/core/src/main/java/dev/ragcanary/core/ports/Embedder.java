package dev.ragcanary.core.ports;

import java.util.List;

/** Sentence embeddings for ΔS. Must be deterministic for a given model, so scores compare across runs. */
public interface Embedder {

    /** Model identity recorded with every score (e.g. {@code all-MiniLM-L6-v2-q}). */
    String modelId();

    float[] embed(String text);

    default List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(this::embed).toList();
    }
}
