package dev.ragcanary.core.probe;

import dev.ragcanary.core.rag.IndexFingerprint;
import java.util.List;

/**
 * The RAG function's response (schemas/rag-response.schema.json): what probes and the router read.
 *
 * @param retrieved snippets, best first
 */
public record RagResponse(String answer, List<Snippet> retrieved, IndexFingerprint index, Cache cache) {

    public RagResponse {
        retrieved = retrieved == null ? List.of() : List.copyOf(retrieved);
    }

    public record Snippet(String sectionId, String text, double score) {
    }

    public record Cache(String prefix, boolean hit) {
    }

    /** Section id of the best snippet, or null when nothing was retrieved. */
    public String topSection() {
        return retrieved.isEmpty() ? null : retrieved.get(0).sectionId();
    }

    public List<String> sectionIds() {
        return retrieved.stream().map(Snippet::sectionId).toList();
    }

    /** The retrieved texts joined: the "retrieved" side of ΔS. */
    public String retrievedText() {
        return String.join("\n", retrieved.stream().map(Snippet::text).toList());
    }
}
