package dev.ragcanary.core.calibration;

import dev.ragcanary.core.judge.ToleranceLimit;
import dev.ragcanary.core.probe.LambdaClassifier;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.core.stats.Percentiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Turns A/A replays into a {@link Calibration}. Each run is one replay in which both variants are the control
 * version, replayed at different seeds: its canary - control differences are draws of the noise an identical canary
 * shows the gate. Every limit is an upper tolerance bound on those draws ({@link ToleranceLimit}); per-topic
 * coverage splits the rate over the topics (Bonferroni), so the rule that fails on any topic keeps it.
 */
public final class CalibrationBuilder {
    /** Limits are rounded up to the summary's four decimals, so rounding never makes one tighter. */
    private static final double RESOLUTION = 1e-4;

    /**
     * @param falseRollbackRate largest A/A false-rollback rate per rule (e.g. 0.01)
     * @param confidence        confidence that each limit keeps it (e.g. 0.95)
     * @param playbook          the absolute limits the control is checked against
     */
    public record Settings(double falseRollbackRate, double confidence, Thresholds playbook) {
    }

    /** Where the runs came from, recorded in the file. */
    public record Origin(String createdAt, long seed, String target, Calibration.ProbeSetId probeSet, String embedder) {
    }

    private CalibrationBuilder() {
    }

    public static Calibration build(Origin origin, Settings settings, List<ProbeSummary> runs) {
        if (runs.size() < 2) {
            throw new IllegalArgumentException("a calibration needs at least 2 runs but got " + runs.size());
        }
        double rate = settings.falseRollbackRate();
        Map<String, Calibration.Metric> byTopic = new TreeMap<>();
        List<String> topics = new ArrayList<>(new TreeSet<>(runs.get(0).control().coverage().byTopic().keySet()));
        for (String topic : topics) {
            byTopic.put(topic, metric(runs, r -> topic(r.control(), topic) - topic(r.canary(), topic),
                    rate / topics.size(), settings.confidence(), false));
        }
        Calibration.Metrics metrics = new Calibration.Metrics(
                metric(runs, r -> r.canary().deltaS().median() - r.control().deltaS().median(), rate, settings.confidence(), false),
                metric(runs, r -> r.control().coverage().mean() - r.canary().coverage().mean(), rate, settings.confidence(), false),
                byTopic,
                metric(runs, r -> notConvergent(r.canary()) - notConvergent(r.control()), rate, settings.confidence(), true),
                metric(runs, CalibrationBuilder::mostFlipsOnOneQuestion, rate, settings.confidence(), true),
                metric(runs, r -> r.canary().schemaViolations() - r.control().schemaViolations(), rate, settings.confidence(), true));
        return new Calibration(origin.createdAt(), runs.size(), origin.seed(), origin.target(), origin.probeSet(),
                origin.embedder(), rate, settings.confidence(), metrics, unstable(runs), playbook(runs, settings.playbook()));
    }

    private static Calibration.Metric metric(List<ProbeSummary> runs, ToDoubleFunction<ProbeSummary> difference,
                                             double rate, double confidence, boolean count) {
        double[] draws = runs.stream().mapToDouble(difference).toArray();
        ToleranceLimit.Bound bound = ToleranceLimit.upper(draws, rate, confidence);
        double limit = Math.max(0, count ? Math.ceil(bound.limit() - 1e-9)
                : Math.ceil(bound.limit() / RESOLUTION - 1e-6) * RESOLUTION);
        return new Calibration.Metric(noise(draws), round(limit), bound.method().id());
    }

    static Calibration.Noise noise(double[] draws) {
        double[] sorted = draws.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(sorted).average().orElse(0);
        double squares = Arrays.stream(sorted).map(d -> (d - mean) * (d - mean)).sum();
        return new Calibration.Noise(round(sorted[0]), round(Percentiles.ofSorted(sorted, 0.5)),
                round(Percentiles.ofSorted(sorted, 0.9)), round(sorted[sorted.length - 1]), round(mean),
                round(Math.sqrt(squares / (sorted.length - 1))));
    }

    private static double topic(ProbeSummary.VariantProbes v, String topic) {
        return v.coverage().byTopic().getOrDefault(topic, 0.0);
    }

    /** Questions not λ-convergent on every paraphrase. */
    public static int notConvergent(ProbeSummary.VariantProbes v) {
        return (int) v.lambda().values().stream()
                .filter(states -> states.stream().anyMatch(s -> s != LambdaState.CONVERGENT)).count();
    }

    private static double mostFlipsOnOneQuestion(ProbeSummary run) {
        Map<String, Integer> flips = new LinkedHashMap<>();
        LambdaClassifier.flips(run.control().lambda(), run.canary().lambda())
                .forEach(f -> flips.merge(f.questionId(), 1, Integer::sum));
        return flips.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private static List<Calibration.UnstableQuestion> unstable(List<ProbeSummary> runs) {
        Map<String, Integer> runsFlipped = new TreeMap<>();
        for (ProbeSummary run : runs) {
            LambdaClassifier.flips(run.control().lambda(), run.canary().lambda()).stream()
                    .map(LambdaClassifier.Flip::questionId).distinct()
                    .forEach(id -> runsFlipped.merge(id, 1, Integer::sum));
        }
        return runsFlipped.entrySet().stream().map(e -> new Calibration.UnstableQuestion(e.getKey(), e.getValue())).toList();
    }

    /** Both variants of every run are the control version: its worst value against each absolute limit. */
    private static Map<String, Calibration.PlaybookCheck> playbook(List<ProbeSummary> runs, Thresholds limits) {
        List<ProbeSummary.VariantProbes> control = new ArrayList<>();
        runs.forEach(r -> {
            control.add(r.control());
            control.add(r.canary());
        });
        double worstMedian = control.stream().mapToDouble(v -> v.deltaS().median()).max().orElseThrow();
        Map<String, Calibration.PlaybookCheck> checks = new LinkedHashMap<>();
        checks.put(QualityRuleIds.DELTA_S, atMost(limits.deltaSMedianMax(), worstMedian));
        checks.put(QualityRuleIds.COVERAGE, atLeast(limits.coverageMin(),
                control.stream().mapToDouble(v -> v.coverage().mean()).min().orElseThrow()));
        checks.put(QualityRuleIds.TOPIC_COVERAGE, atLeast(limits.coverageMin(), control.stream()
                .flatMap(v -> v.coverage().byTopic().values().stream()).mapToDouble(Double::doubleValue).min().orElse(0)));
        checks.put(QualityRuleIds.LAMBDA, atMost(0, control.stream().mapToInt(CalibrationBuilder::notConvergent).max().orElseThrow()));
        checks.put(QualityRuleIds.FLIPS, atMost(limits.maxFlippedParaphrases(),
                runs.stream().mapToDouble(CalibrationBuilder::mostFlipsOnOneQuestion).max().orElseThrow()));
        checks.put(QualityRuleIds.SHADOW_DELTA_S, new Calibration.PlaybookCheck(limits.shadowDeltaSMedianStop(), "<",
                worstMedian, worstMedian < limits.shadowDeltaSMedianStop()));
        checks.put(QualityRuleIds.SCHEMA, atMost(0, control.stream().mapToInt(ProbeSummary.VariantProbes::schemaViolations).max().orElseThrow()));
        return checks;
    }

    private static Calibration.PlaybookCheck atMost(double limit, double worst) {
        return new Calibration.PlaybookCheck(limit, "<=", round(worst), worst <= limit);
    }

    private static Calibration.PlaybookCheck atLeast(double limit, double worst) {
        return new Calibration.PlaybookCheck(limit, ">=", round(worst), worst >= limit);
    }

    private static double round(double value) {
        return Math.round(value * 10_000.0) / 10_000.0;
    }
}
