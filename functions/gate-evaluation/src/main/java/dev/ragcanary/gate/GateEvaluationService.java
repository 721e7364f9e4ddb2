package dev.ragcanary.gate;

import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.LiveMetrics;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import java.util.List;
import java.util.Map;

/**
 * One gate look: live metrics for the stage's window (when the stage has users on both variants), the evidence bundle,
 * the verdict, and the bundle archived under a key that names the rollout, stage and look, so {@code ./canary judge}
 * can judge it again later.
 */
public final class GateEvaluationService {
    private final MetricsSource metrics;
    private final EvidenceStore evidenceStore;
    private final GateEngine engine;

    public GateEvaluationService(MetricsSource metrics, EvidenceStore evidenceStore, GateEngine engine) {
        this.metrics = metrics;
        this.evidenceStore = evidenceStore;
        this.engine = engine;
    }

    /** The task's output: the verdict and where its evidence is archived. */
    public record Result(Verdict verdict, String evidenceKey) {
    }

    public Result evaluate(GateEvaluationInput in) {
        RolloutRequest plan = in.plan();
        Stage stage = in.stage();
        LiveMetrics live = null;
        MetricsSource.Query query = new MetricsSource.Query(plan.target().functionName(), plan.target().alias(),
                in.controlVersion(), plan.target().canaryVersion(), regions(plan, stage), in.windowStart(), in.windowEnd());
        if (!stage.isShadow() && !stage.isFull()) {
            live = metrics.fetch(query);
        }
        // Shadow has no user traffic on the canary, but the router's mirrored requests report its index: the index
        // rule needs those fingerprints at every stage, or shadow could never pass it.
        Map<String, Map<String, IndexFingerprint>> fingerprints = metrics.fingerprints(query);
        Evidence evidence = new Evidence(description(in), stage.name(), stage.weight(), in.extensions(), in.probes(), live,
                fingerprints, plan.expectedIndex(), plan.thresholds());
        Verdict verdict = engine.evaluate(stage, plan.thresholds(), evidence);
        String key = evidenceKey(plan.rolloutId(), stage.name(), in.extensions());
        evidenceStore.put(key, Json.pretty(evidence));
        return new Result(verdict, key);
    }

    static String evidenceKey(String rolloutId, String stage, int extensions) {
        return "rollouts/" + rolloutId + "/gate/" + stage + "/look-" + (extensions + 1) + ".json";
    }

    /** The pilot region alone until the stage where every region joins. */
    static List<String> regions(RolloutRequest plan, Stage stage) {
        return stage.weight() >= StageLadder.ALL_REGIONS_FROM_WEIGHT ? plan.regions() : List.of(plan.pilotRegion());
    }

    private static String description(GateEvaluationInput in) {
        return "gate evaluation of rollout " + in.plan().rolloutId() + " at stage " + in.stage().name() + " (look "
                + (in.extensions() + 1) + "), control version " + in.controlVersion() + ", canary version "
                + in.plan().target().canaryVersion() + ", window " + in.windowStart() + " to " + in.windowEnd();
    }
}
