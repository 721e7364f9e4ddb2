package dev.ragcanary.core.gate;

import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.calibration.CalibrationBuilder;
import dev.ragcanary.core.calibration.QualityRuleIds;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeSummary;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rules judged from the gold probe replay (docs/design.md: ΔS, coverage, λ). No probe results is never a pass.
 * Each names its limit's source: the playbook's absolute limit (the thresholds), or with a calibration also the
 * control's own figure plus the calibrated A/A noise limit; an absolute limit the control itself fails is then
 * judged relative to the control instead, and the note says so (docs/statistical-judge.md).
 */
final class ProbeRules {
    static final String DELTA_S = QualityRuleIds.DELTA_S;
    static final String COVERAGE = QualityRuleIds.COVERAGE;
    static final String LAMBDA = QualityRuleIds.LAMBDA;
    static final String SHADOW_DELTA_S = QualityRuleIds.SHADOW_DELTA_S;
    static final String SCHEMA = QualityRuleIds.SCHEMA;
    static final String TOPIC_COVERAGE = QualityRuleIds.TOPIC_COVERAGE;
    static final String FLIPS = QualityRuleIds.FLIPS;

    /** Aggregates over the calls measured: the rest of a replay could move them either way. */
    private static final Set<String> AGGREGATES = Set.of(DELTA_S, COVERAGE, SHADOW_DELTA_S, TOPIC_COVERAGE);
    /** Counts of what went wrong: the rest of a replay can only add to them, so a count that fails already stands. */
    private static final Set<String> COUNTS = Set.of(LAMBDA, SCHEMA, FLIPS);
    static final String REPLAY_INCOMPLETE = "probe replay incomplete";

    private ProbeRules() {
    }

    /**
     * A rule judged on a replay that ran out of time: a probe count that already fails stands (a failure in what was
     * measured), every other probe finding waits for a complete replay; other rules are returned as they are.
     */
    static RuleResult onIncompleteReplay(RuleResult r) {
        boolean decided = r.outcome() == Outcome.PASS || r.outcome() == Outcome.FAIL;
        boolean stands = COUNTS.contains(r.rule()) && r.outcome() == Outcome.FAIL;
        return isProbeRule(r) && decided && !stands ? r.undecided(REPLAY_INCOMPLETE) : r;
    }

    static boolean isProbeRule(RuleResult r) {
        return AGGREGATES.contains(r.rule()) || COUNTS.contains(r.rule());
    }

    static RuleResult deltaSMedian(GateContext c) {
        return canaryDeltaSMedian(c, DELTA_S, "canary ΔS(question, retrieved) median on the gold probes",
                c.thresholds().deltaSMedianMax(), false);
    }

    /**
     * The limit in force: the playbook's, or with a calibration also the control's figure moved by the calibrated
     * noise limit (up for "at most" rules, down for "at least"), the tighter of the two; relative alone when the
     * control itself fails the playbook's.
     */
    record QualityLimit(double value, String comparator, String source, String note) {
        static QualityLimit of(GateContext c, double playbook, String comparator, Double control, Calibration.Metric noise) {
            Calibration calibration = c.evidence().calibration();
            if (calibration == null || noise == null) {
                return new QualityLimit(playbook, comparator, RuleResult.PLAYBOOK, null);
            }
            if (control == null) {
                return new QualityLimit(playbook, comparator, RuleResult.PLAYBOOK, "no control figure to calibrate against");
            }
            boolean atLeast = comparator.equals(">=");
            boolean controlMeets = switch (comparator) {
                case ">=" -> control >= playbook;
                case "<" -> control < playbook;
                default -> control <= playbook;
            };
            return combine(calibration, playbook, comparator, round(atLeast ? control - noise.limit() : control + noise.limit()),
                    "control " + RuleResult.format(control) + (atLeast ? " - " : " + ") + "calibrated noise "
                            + RuleResult.format(noise.limit()), controlMeets);
        }

        /**
         * Both limits, the tighter in force; the relative one alone when the control fails the playbook's. A relative
         * limit is inclusive whatever the playbook's comparator: the calibration bounds the difference itself.
         */
        static QualityLimit combine(Calibration calibration, double playbook, String comparator, double relative,
                                    String relativeText, boolean controlMeets) {
            String inclusive = comparator.equals(">=") ? ">=" : "<=";
            if (!controlMeets) {
                return new QualityLimit(relative, inclusive, calibration.source(), "the control itself fails the"
                        + " playbook's " + comparator + " " + RuleResult.format(playbook) + ": judged relative to the"
                        + " control instead (" + relativeText + ")");
            }
            boolean relativeTighter = comparator.equals(">=") ? relative > playbook : relative < playbook;
            return relativeTighter
                    ? new QualityLimit(relative, inclusive, calibration.source(), relativeText + ", within the playbook's "
                    + comparator + " " + RuleResult.format(playbook))
                    : new QualityLimit(playbook, comparator, RuleResult.PLAYBOOK, "the calibrated limit (" + relativeText
                    + ") is looser");
        }

        /** A stop for severe drift stays absolute: relative only when the control itself fails it. */
        QualityLimit absoluteUnlessControlFails(double playbook, String comparator) {
            return source.equals(RuleResult.PLAYBOOK) || note.startsWith("the control itself fails") ? this
                    : new QualityLimit(playbook, comparator, RuleResult.PLAYBOOK, null);
        }

        boolean holds(double observed) {
            return switch (comparator) {
                case ">=" -> observed >= value;
                case "<" -> observed < value;
                default -> observed <= value;
            };
        }

        RuleResult judge(String rule, String description, double observed, Map<String, Long> samples, String note) {
            String notes = note == null ? this.note : this.note == null ? note : note + "; " + this.note;
            return Checks.compare(rule, description, observed, value, comparator, holds(observed), samples, notes)
                    .withLimitSource(source);
        }
    }

    private static Calibration.Metrics calibrated(GateContext c) {
        return c.evidence().calibration() == null ? null : c.evidence().calibration().metrics();
    }

    private static ProbeSummary.VariantProbes control(GateContext c) {
        return c.evidence().probes() == null ? null : c.evidence().probes().control();
    }

    static RuleResult coverageMean(GateContext c) {
        String desc = "canary mean coverage of the target sections";
        double limit = c.thresholds().coverageMin();
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.coverage() == null || canary.coverage().count() == 0) {
            return Checks.insufficient(COVERAGE, desc, limit, ">=", null, "no probe results for the canary")
                    .withLimitSource(RuleResult.PLAYBOOK);
        }
        ProbeSummary.VariantProbes control = control(c);
        Calibration.Metrics noise = calibrated(c);
        Double controlMean = control == null || control.coverage() == null || control.coverage().count() == 0
                ? null : control.coverage().mean();
        return QualityLimit.of(c, limit, ">=", controlMean, noise == null ? null : noise.coverageMean())
                .judge(COVERAGE, desc, canary.coverage().mean(), Map.of("canary", (long) canary.coverage().count()), null);
    }

    static RuleResult lambdaConvergent(GateContext c) {
        String desc = "gold questions whose canary λ is not convergent on every paraphrase";
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.lambda() == null || canary.lambda().isEmpty()) {
            return Checks.insufficient(LAMBDA, desc, 0.0, "<=", null, "no λ states for the canary")
                    .withLimitSource(RuleResult.PLAYBOOK);
        }
        List<String> offenders = canary.lambda().entrySet().stream()
                .filter(e -> e.getValue().stream().anyMatch(s -> s != LambdaState.CONVERGENT))
                .map(Map.Entry::getKey).sorted().toList();
        ProbeSummary.VariantProbes control = control(c);
        Calibration.Metrics noise = calibrated(c);
        Double controlCount = control == null || control.lambda() == null || control.lambda().isEmpty()
                ? null : (double) CalibrationBuilder.notConvergent(control);
        return QualityLimit.of(c, 0.0, "<=", controlCount, noise == null ? null : noise.lambdaNotConvergent())
                .judge(LAMBDA, desc, offenders.size(), Map.of("canary", (long) canary.lambda().size()),
                        offenders.isEmpty() ? null : "not convergent: " + firstFew(offenders));
    }

    static RuleResult shadowDeltaS(GateContext c) {
        return canaryDeltaSMedian(c, SHADOW_DELTA_S, "canary ΔS median must stay below the shadow stop",
                c.thresholds().shadowDeltaSMedianStop(), true);
    }

    private static RuleResult canaryDeltaSMedian(GateContext c, String rule, String desc, double limit, boolean strictlyBelow) {
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.deltaS() == null || canary.deltaS().count() == 0) {
            return Checks.insufficient(rule, desc, limit, strictlyBelow ? "<" : "<=", null, "no probe results for the canary")
                    .withLimitSource(RuleResult.PLAYBOOK);
        }
        Map<String, Long> samples = Map.of("canary", (long) canary.deltaS().count());
        ProbeSummary.VariantProbes control = control(c);
        Calibration.Metrics noise = calibrated(c);
        Double controlMedian = control == null || control.deltaS() == null || control.deltaS().count() == 0
                ? null : control.deltaS().median();
        String comparator = strictlyBelow ? "<" : "<=";
        QualityLimit calibrated = QualityLimit.of(c, limit, comparator, controlMedian, noise == null ? null : noise.deltaSMedian());
        return (strictlyBelow ? calibrated.absoluteUnlessControlFails(limit, comparator) : calibrated)
                .judge(rule, desc, canary.deltaS().median(), samples, controlNote(c));
    }

    static RuleResult schemaViolations(GateContext c) {
        String desc = "canary responses that break the RAG response schema";
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.calls() == 0) {
            return Checks.insufficient(SCHEMA, desc, 0.0, "<=", null, "no probe calls to the canary")
                    .withLimitSource(RuleResult.PLAYBOOK);
        }
        ProbeSummary.VariantProbes control = control(c);
        Calibration.Metrics noise = calibrated(c);
        Double controlCount = control == null || control.calls() == 0 ? null : (double) control.schemaViolations();
        return QualityLimit.of(c, 0.0, "<=", controlCount, noise == null ? null : noise.schemaViolations())
                .judge(SCHEMA, desc, canary.schemaViolations(), Map.of("canary", (long) canary.calls()), null);
    }

    static RuleResult topicCoverage(GateContext c) {
        String desc = "lowest canary mean coverage over the probe topics";
        double limit = c.thresholds().coverageMin();
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.coverage() == null || canary.coverage().byTopic() == null
                || canary.coverage().byTopic().isEmpty()) {
            return Checks.insufficient(TOPIC_COVERAGE, desc, limit, ">=", null, "no per-topic coverage for the canary")
                    .withLimitSource(RuleResult.PLAYBOOK);
        }
        ProbeSummary.VariantProbes control = control(c);
        Calibration.Metrics noise = calibrated(c);
        Map<String, Long> samples = Map.of("topics", (long) canary.coverage().byTopic().size());
        RuleResult worst = null;
        double worstMargin = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, Double> topic : new TreeMap<>(canary.coverage().byTopic()).entrySet()) {
            Double controlMean = control == null || control.coverage() == null || control.coverage().byTopic() == null
                    ? null : control.coverage().byTopic().get(topic.getKey());
            Calibration.Metric topicNoise = noise == null ? null : noise.coverageByTopic().get(topic.getKey());
            QualityLimit topicLimit = QualityLimit.of(c, limit, ">=", controlMean, topicNoise);
            double margin = topic.getValue() - topicLimit.value();
            if (margin < worstMargin) {
                worstMargin = margin;
                String note = (calibrated(c) == null ? "lowest topic: " : "topic closest to its limit: ") + topic.getKey()
                        + (noise != null && topicNoise == null ? " (not in the calibration)" : "");
                worst = topicLimit.judge(TOPIC_COVERAGE, desc, topic.getValue(), samples, note);
            }
        }
        return worst;
    }

    /** A flip is a (question, paraphrase) whose canary λ state differs from its control state. */
    static RuleResult flipsPerQuestion(GateContext c) {
        String desc = "most λ flips (canary vs control) on the paraphrases of one gold question";
        double limit = c.thresholds().maxFlippedParaphrases();
        ProbeSummary.VariantProbes canary = canary(c);
        ProbeSummary.VariantProbes control = c.evidence().probes() == null ? null : c.evidence().probes().control();
        if (canary == null || control == null || canary.lambda() == null || control.lambda() == null
                || canary.lambda().isEmpty() || control.lambda().isEmpty()) {
            return Checks.insufficient(FLIPS, desc, limit, "<=", null, "needs λ states for both variants")
                    .withLimitSource(RuleResult.PLAYBOOK);
        }
        int worst = 0;
        String worstQuestion = null;
        for (Map.Entry<String, List<LambdaState>> e : new TreeMap<>(canary.lambda()).entrySet()) {
            List<LambdaState> base = control.lambda().get(e.getKey());
            if (base == null) {
                continue;
            }
            int flips = 0;
            for (int i = 0; i < Math.min(base.size(), e.getValue().size()); i++) {
                if (base.get(i) != e.getValue().get(i)) {
                    flips++;
                }
            }
            if (flips > worst) {
                worst = flips;
                worstQuestion = e.getKey();
            }
        }
        // Flips already compare the canary with the control: the calibrated limit is the A/A flips' own bound, and
        // the playbook's is replaced when the control flipped more than it allows between two of its own replays.
        Calibration calibration = c.evidence().calibration();
        Calibration.PlaybookCheck aa = calibration == null ? null : calibration.playbook().get(FLIPS);
        QualityLimit flipsLimit = aa == null ? new QualityLimit(limit, "<=", RuleResult.PLAYBOOK, null)
                : QualityLimit.combine(calibration, limit, "<=", calibration.metrics().flipsPerQuestion().limit(),
                "A/A flips limit " + RuleResult.format(calibration.metrics().flipsPerQuestion().limit()), aa.controlMeets());
        return flipsLimit.judge(FLIPS, desc, worst, Map.of("questions", (long) canary.lambda().size()),
                worstQuestion == null ? null : "most flips on " + worstQuestion);
    }

    private static double round(double value) {
        return Math.round(value * 10_000.0) / 10_000.0;
    }

    private static ProbeSummary.VariantProbes canary(GateContext c) {
        return c.evidence().probes() == null ? null : c.evidence().probes().canary();
    }

    private static String controlNote(GateContext c) {
        ProbeSummary probes = c.evidence().probes();
        if (probes == null || probes.control() == null || probes.control().deltaS() == null) {
            return null;
        }
        return "control median " + RuleResult.format(probes.control().deltaS().median());
    }

    static String firstFew(List<String> items) {
        return items.size() <= 5 ? String.join(", ", items) : String.join(", ", items.subList(0, 5)) + " and " + (items.size() - 5) + " more";
    }
}
