package dev.ragcanary.core.probe;

import java.util.List;
import java.util.Map;

/**
 * What the gate needs from one probe replay: per-variant aggregates, kept small enough for a Step Functions payload
 * (the full per-probe detail stays in the evidence store under {@code evidenceKey}).
 *
 * @param questions  gold questions whose every call (both variants, all paraphrases and seeds) was measured
 * @param incomplete null when every planned call was measured; else how far the replay got and why it stopped
 */
public record ProbeSummary(String evidenceKey, int questions, VariantProbes control, VariantProbes canary,
                           Incomplete incomplete) {

    /** A complete replay. */
    public ProbeSummary(String evidenceKey, int questions, VariantProbes control, VariantProbes canary) {
        this(evidenceKey, questions, control, canary, null);
    }

    /**
     * @param lambda           per question id, the λ state of each of its paraphrases (in paraphrase order); only
     *                         questions measured whole
     * @param schemaViolations responses that broke the RAG data contract
     * @param errors           calls that failed or timed out
     * @param calls            invocations made (questions × paraphrases × seeds when complete)
     */
    public record VariantProbes(
            DeltaS deltaS,
            Coverage coverage,
            Map<String, List<LambdaState>> lambda,
            int schemaViolations,
            int errors,
            int calls) {
    }

    /** ΔS = 1 − cos(E(question), E(retrieved)) over every successful probe call. */
    public record DeltaS(double median, double p90, int count) {
    }

    /** Coverage of the target sections: mean over probes and mean per probe topic. */
    public record Coverage(double mean, Map<String, Double> byTopic, int count) {
    }

    /**
     * A replay that ran out of time before every planned call was measured.
     *
     * @param measured calls measured, both variants
     * @param planned  calls the probe set asks for (questions × 3 paraphrases × 2 seeds × 2 variants)
     * @param reason   for a person: where the replay stopped and why
     */
    public record Incomplete(int measured, int planned, String reason) {
    }
}
