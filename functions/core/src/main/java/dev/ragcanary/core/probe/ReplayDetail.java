package dev.ragcanary.core.probe;

import dev.ragcanary.core.rag.IndexFingerprint;
import java.util.List;

/**
 * Everything one replay observed, written to the evidence store (the summary handed to the gate is a digest of it);
 * each page of a replay that runs in pages rewrites it with every call measured so far.
 *
 * @param embeddingsComputed distinct texts embedded by the page that wrote this (each text once per page)
 */
public record ReplayDetail(
        String evidenceKey,
        String probeSet,
        String embedder,
        String controlVersion,
        String canaryVersion,
        ReplayOptions options,
        ProbeSummary summary,
        List<LambdaClassifier.Flip> flips,
        int embeddingsComputed,
        List<Call> calls) {

    /**
     * One invocation of one variant.
     *
     * @param attempts         tries made (more than one only after throttling)
     * @param failureClass     normalized error signature when the call failed, else null
     * @param schemaViolations how the response broke the RAG data contract (empty when it did not)
     * @param deltaS           null unless the call succeeded with a valid response; likewise coverage
     */
    public record Call(
            String variant,
            String version,
            String questionId,
            String topic,
            int paraphrase,
            int seed,
            double latencyMs,
            int attempts,
            String failureClass,
            List<String> schemaViolations,
            Double deltaS,
            Double coverage,
            String topSection,
            List<String> retrieved,
            IndexFingerprint index,
            Boolean cacheHit) {

        public boolean scored() {
            return deltaS != null;
        }

        public boolean violated() {
            return schemaViolations != null && !schemaViolations.isEmpty();
        }
    }
}
