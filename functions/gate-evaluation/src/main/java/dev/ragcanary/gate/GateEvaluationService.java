package dev.ragcanary.gate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One gate look: live metrics for the stage's window (when the stage has users on both variants; at the shadow stage
 * the shadow rules' egress figures only), index fingerprints
 * from the probe replay and the telemetry, the evidence bundle, the verdict, and the bundle archived under a key that names the rollout, stage and look, so {@code ./canary judge}
 * can judge it again later. Every verdict is also written to the rollout's {@link VerdictLog}.
 */
public final class GateEvaluationService {
    private final MetricsSource metrics;
    private final EvidenceStore evidenceStore;
    private final GateEngine engine;
    private final VerdictLog verdictLog;

    public GateEvaluationService(MetricsSource metrics, EvidenceStore evidenceStore, GateEngine engine, VerdictLog verdictLog) {
        this.metrics = metrics;
        this.evidenceStore = evidenceStore;
        this.engine = engine;
        this.verdictLog = verdictLog;
    }

    /**
     * The rollout's calibration, read from the evidence store each look (a few KB); a key that names nothing or a file
     * that breaks its schema fails the task with the problem named, and the state machine's failure path rolls back.
     */
    private Calibration calibration(RolloutRequest plan) {
        if (plan.calibration() == null) {
            return null;
        }
        String text = evidenceStore.get(plan.calibration()).orElseThrow(() -> new InvalidInputException(
                "gate evaluation input", List.of(new Problem("$.rollout.calibration", "names no calibration in the"
                + " evidence store: " + plan.calibration()))));
        return Calibration.parse("calibration " + plan.calibration(), text);
    }

    /** The task's output: the verdict and where its evidence is archived. */
    public record Result(Verdict verdict, String evidenceKey) {
    }

    /**
     * A live look's output: ROLLBACK or EXTEND ("bake on"), where its evidence is archived, and what the stage machine
     * waits next ({@link LookSchedule}).
     */
    public record LookResult(Verdict verdict, String evidenceKey, int look, long waitSeconds, long restSeconds,
                             boolean bakeOver) {
    }

    /**
     * @param deadline when the live metrics must have been read, leaving time to archive the evidence and record the
     *                 verdict; what is not read by then makes the verdict EXTEND (HOLD once extensions are spent)
     */
    public Result evaluate(GateEvaluationInput in, Instant deadline) {
        RolloutRequest plan = in.plan();
        Optional<Result> earlier = verdictLog.recorded(plan, in.step());
        if (earlier.isPresent()) {
            return earlier.get();
        }
        if (GateEvaluationInput.AFTER_PROMOTION.equals(in.purpose())) {
            return afterPromotion(in, deadline);
        }
        Stage stage = in.stage();
        MetricsSource.Reading reading = MetricsSource.Reading.complete(null, Map.of(), null);
        Map<String, Map<String, IndexFingerprint>> fingerprints = probeFingerprints(in);
        if (stage.isShadow()) {
            // No user on the canary: only the shadow rules' figures (mirrored emissions against the sink, partner posts).
            reading = metrics.read(query(in, regions(plan, stage), true), deadline);
        } else if (!stage.isFull()) {
            reading = metrics.read(query(in, regions(plan, stage), false), deadline);
            reading.fingerprints().forEach((variant, byRegion) ->
                    fingerprints.computeIfAbsent(variant, v -> new TreeMap<>()).putAll(byRegion));
        }
        String unread = String.join("; ", reading.unfinished());
        Evidence evidence = new Evidence(description(in) + (reading.isComplete() ? "" : (stage.isShadow()
                ? "; egress not read: " : "; live metrics not read: ") + unread), stage.name(), stage.weight(),
                in.extensions(), in.probes(), reading.live(), fingerprints, plan.expectedIndex(), plan.thresholds(),
                reading.egress(), calibration(plan));
        Verdict verdict = reading.isComplete() ? engine.evaluate(stage, plan.thresholds(), evidence)
                : stage.isShadow() ? engine.evaluateWithShadowEgressUnread(stage, plan.thresholds(), evidence, unread)
                : engine.liveMetricsUnread(stage, plan.thresholds(), in.extensions(), unread);
        String key = evidenceKey(plan.rolloutId(), stage.name(), in.purpose(), in.extensions());
        evidenceStore.put(key, Json.pretty(evidence));
        verdictLog.record(plan, verdict, key, in.step());
        return new Result(verdict, key);
    }

    /**
     * A live look during the bake ({@link GateEngine#liveLook}): the live metrics of the window so far, nothing else
     * (no probes, no index fingerprints from a replay, no calibration). Read-only for the rollout: it changes no weight
     * and writes no ledger entry, only its evidence under a key of its own ({@link #liveLookEvidenceKey}), which a
     * retry of the same look overwrites. Metrics not read in time bake on, never roll back.
     */
    public LookResult look(GateEvaluationInput in, Instant deadline) {
        RolloutRequest plan = in.plan();
        Stage stage = in.stage();
        LookSchedule schedule = LookSchedule.at(in.lookBakeStart(), in.windowEnd(), stage.bakeSeconds(),
                plan.thresholds().lookIntervalSeconds());
        MetricsSource.Reading reading = metrics.read(query(in, regions(plan, stage), false), deadline);
        boolean read = reading.isComplete() && reading.live() != null;
        String unread = read ? "" : "live metrics not read: " + (reading.isComplete() ? "none in the window"
                : String.join("; ", reading.unfinished()));
        Evidence evidence = new Evidence(description(in) + ", live look " + schedule.look() + " during the bake"
                + (read ? "" : "; " + unread), stage.name(), stage.weight(), in.extensions(), null, reading.live(),
                reading.fingerprints(), plan.expectedIndex(), plan.thresholds(), null, null);
        Verdict verdict = read ? GateEngine.liveLook(stage, plan.thresholds(), evidence, schedule.look())
                : new Verdict(stage.name(), stage.weight(), Decision.EXTEND, "live look " + schedule.look()
                + " at stage " + stage.name() + ": " + unread + "; the bake goes on", in.extensions(), List.of());
        String key = liveLookEvidenceKey(plan.rolloutId(), stage.name(), in.purpose(), in.extensions(), schedule.look());
        evidenceStore.put(key, Json.pretty(evidence));
        return new LookResult(verdict, key, schedule.look(), schedule.waitSeconds(), schedule.restSeconds(),
                schedule.bakeOver());
    }

    /**
     * The metrics of {@code regions} over the look's window, each region by its own versions; at the shadow stage only
     * what the shadow rules judge.
     */
    private static MetricsSource.Query query(GateEvaluationInput in, List<String> regions, boolean shadowStage) {
        RolloutRequest plan = in.plan();
        Map<String, String> controlVersions = new LinkedHashMap<>();
        Map<String, String> canaryVersions = new LinkedHashMap<>();
        regions.forEach(region -> {
            controlVersions.put(region, in.controlVersionIn(region));
            canaryVersions.put(region, plan.target().canaryVersionIn(region));
        });
        return new MetricsSource.Query(plan.target().functionName(), plan.target().alias(), controlVersions,
                canaryVersions, regions, in.windowStart(), in.windowEnd(), shadowStage);
    }

    /**
     * The look after the promotion's bake ({@link GateEngine#judgeAfterPromotion}): the promoted version's traffic in
     * every region since the promotion, against the control figures of the last stage look. A baseline that cannot be
     * read, or metrics not read in time, leave the promotion standing with the reason: only a failed rule reverts.
     */
    private Result afterPromotion(GateEvaluationInput in, Instant deadline) {
        RolloutRequest plan = in.plan();
        Optional<Evidence> baseline = evidenceStore.get(in.baselineEvidenceKey()).map(EvidenceParser::parse)
                .filter(last -> last.live() != null && last.live().control() != null);
        String key = evidenceKey(plan.rolloutId(), in.stage().name(), in.purpose(), in.extensions());
        if (baseline.isEmpty()) {
            // Nothing to compare with: no reason to start the queries.
            return standing(in, key, "no control figures in " + in.baselineEvidenceKey());
        }
        MetricsSource.Reading reading = metrics.read(query(in, plan.regions(), false), deadline);
        if (!reading.isComplete() || reading.live() == null) {
            return standing(in, key, "live metrics not read: " + String.join("; ", reading.unfinished()));
        }
        LiveMetrics live = new LiveMetrics(baseline.get().live().control(), reading.live().canary(),
                reading.live().cachePrefixCollisions());
        Evidence evidence = new Evidence(description(in) + "; the control is the previous version's figures from "
                + in.baselineEvidenceKey(), in.stage().name(), in.stage().weight(), 0, null, live, Map.of(),
                plan.expectedIndex(), plan.thresholds(), null, calibration(plan));
        Verdict verdict = GateEngine.judgeAfterPromotion(in.stage(), plan.thresholds(), evidence);
        evidenceStore.put(key, Json.pretty(evidence));
        return new Result(verdict, key);
    }

    private static Result standing(GateEvaluationInput in, String key, String why) {
        return new Result(new Verdict(in.stage().name(), in.stage().weight(), Decision.PROMOTE,
                "the promotion stands, not judged after it: " + why, 0, List.of()), key);
    }

    /**
     * The index each variant answered the probes from, in the pilot region where the replay ran: the most frequent
     * {@code index} of the {@code calls} in the replay detail the probe summary points to ({@code calls[].variant},
     * {@code calls[].index}). This is the only source at shadow, where no user reaches the canary; live telemetry adds
     * every region the stage covers and wins where both exist.
     */
    private Map<String, Map<String, IndexFingerprint>> probeFingerprints(GateEvaluationInput in) {
        Map<String, Map<String, IndexFingerprint>> byVariant = new TreeMap<>();
        if (in.probes() == null || in.probes().evidenceKey() == null) {
            return byVariant;
        }
        JsonNode calls = evidenceStore.get(in.probes().evidenceKey())
                .map(json -> Json.parse("probe replay detail", json).path("calls")).orElse(null);
        if (calls == null || !calls.isArray()) {
            return byVariant;
        }
        Map<String, Map<IndexFingerprint, Long>> seen = new HashMap<>();
        for (JsonNode call : calls) {
            JsonNode index = call.path("index");
            if (index.hasNonNull("INDEX_HASH")) {
                IndexFingerprint f = new IndexFingerprint(index.get("INDEX_HASH").asText(), index.path("metric").asText(null),
                        index.path("analyzer").asText(null));
                seen.computeIfAbsent(call.path("variant").asText(), v -> new HashMap<>()).merge(f, 1L, Long::sum);
            }
        }
        seen.forEach((variant, counts) -> byVariant.computeIfAbsent(variant, v -> new TreeMap<>()).put(in.plan().pilotRegion(),
                counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey()));
        return byVariant;
    }

    /** One key per look and purpose: the promotion window held at a stage's weight never replaces its own looks. */
    static String evidenceKey(String rolloutId, String stage, String purpose, int extensions) {
        return evidenceKey(rolloutId, stage, purpose, extensions, "");
    }

    /**
     * Live look {@code look} of the bake: beside the gate's own look of that bake, never over it or another live look
     * (each look of a bake is due at a later interval, {@link LookSchedule}).
     */
    static String liveLookEvidenceKey(String rolloutId, String stage, String purpose, int extensions, int look) {
        return evidenceKey(rolloutId, stage, purpose, extensions, "-live-" + look);
    }

    private static String evidenceKey(String rolloutId, String stage, String purpose, int extensions, String suffix) {
        String look = "look-" + (extensions + 1) + suffix + ".json";
        return "rollouts/" + rolloutId + "/gate/" + stage + "/" + ("stage".equals(purpose) ? look : purpose + "-" + look);
    }

    /** The pilot region alone until the stage where every region joins. */
    static List<String> regions(RolloutRequest plan, Stage stage) {
        return stage.weight() >= StageLadder.ALL_REGIONS_FROM_WEIGHT ? plan.regions() : List.of(plan.pilotRegion());
    }

    private static String description(GateEvaluationInput in) {
        RolloutRequest plan = in.plan();
        boolean everywhereTheSame = plan.regions().stream().allMatch(r -> in.controlVersionIn(r).equals(in.controlVersion())
                && plan.target().canaryVersionIn(r).equals(plan.target().canaryVersion()));
        String versions = plan.regions().stream().map(r -> r + " " + in.controlVersionIn(r) + " -> "
                + plan.target().canaryVersionIn(r)).collect(Collectors.joining(", "));
        return "gate evaluation of rollout " + plan.rolloutId() + " at stage " + in.stage().name() + " (look "
                + (in.extensions() + 1) + "), " + (everywhereTheSame ? "control version " + in.controlVersion()
                + ", canary version " + plan.target().canaryVersion() : "control -> canary versions " + versions)
                + ", window " + in.windowStart() + " to " + in.windowEnd();
    }
}
