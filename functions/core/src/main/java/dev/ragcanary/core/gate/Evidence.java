package dev.ragcanary.core.gate;

import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.Map;

/**
 * Everything gathered during one stage that the gate judges; archived in the ledger so a verdict can be re-judged
 * later with other thresholds ({@code ./canary judge}).
 *
 * @param description   what this bundle shows, for a person (optional)
 * @param stage         name of the stage judged
 * @param weight        canary weight of that stage (taken from the default ladder when absent)
 * @param extensions    how many times this stage has already baked again for lack of samples
 * @param fingerprints  per variant ("control", "canary"), per region, the index fingerprint its responses reported
 * @param expectedIndex the fingerprint the start input expects of the canary
 * @param thresholds    the thresholds in force when the evidence was gathered; defaults when absent
 * @param egress        webhook and partner emissions per variant; absent when the source recorded none (the egress
 *                      rules are then not applicable)
 * @param calibration   the rollout's calibration when it has one: the quality rules then judge the canary relative to
 *                      the control as well (absent: the playbook's absolute limits only)
 */
public record Evidence(
        String description,
        String stage,
        Double weight,
        int extensions,
        ProbeSummary probes,
        LiveMetrics live,
        Map<String, Map<String, IndexFingerprint>> fingerprints,
        IndexFingerprint expectedIndex,
        Thresholds thresholds,
        EgressMetrics egress,
        Calibration calibration) {

    public Map<String, IndexFingerprint> fingerprints(String variant) {
        return fingerprints == null ? Map.of() : fingerprints.getOrDefault(variant, Map.of());
    }
}
