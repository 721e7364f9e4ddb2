package dev.ragcanary.core.gate;

import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeSummary;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Rules judged from the gold probe replay (docs/design.md: ΔS, coverage, λ). No probe results is never a pass. */
final class ProbeRules {
    static final String DELTA_S = "quality.deltaS.median";
    static final String COVERAGE = "quality.coverage.mean";
    static final String LAMBDA = "quality.lambda.convergent";
    static final String SHADOW_DELTA_S = "shadow.deltaS.median";
    static final String SCHEMA = "shadow.schema.violations";
    static final String TOPIC_COVERAGE = "quality.coverage.perTopic";
    static final String FLIPS = "quality.lambda.flipsPerQuestion";

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

    static RuleResult coverageMean(GateContext c) {
        String desc = "canary mean coverage of the target sections";
        double limit = c.thresholds().coverageMin();
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.coverage() == null || canary.coverage().count() == 0) {
            return Checks.insufficient(COVERAGE, desc, limit, ">=", null, "no probe results for the canary");
        }
        return Checks.atLeast(COVERAGE, desc, canary.coverage().mean(), limit, Map.of("canary", (long) canary.coverage().count()), null);
    }

    static RuleResult lambdaConvergent(GateContext c) {
        String desc = "gold questions whose canary λ is not convergent on every paraphrase";
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.lambda() == null || canary.lambda().isEmpty()) {
            return Checks.insufficient(LAMBDA, desc, 0.0, "<=", null, "no λ states for the canary");
        }
        List<String> offenders = canary.lambda().entrySet().stream()
                .filter(e -> e.getValue().stream().anyMatch(s -> s != LambdaState.CONVERGENT))
                .map(Map.Entry::getKey).sorted().toList();
        return Checks.atMost(LAMBDA, desc, (double) offenders.size(), 0.0, Map.of("canary", (long) canary.lambda().size()),
                offenders.isEmpty() ? null : "not convergent: " + firstFew(offenders));
    }

    static RuleResult shadowDeltaS(GateContext c) {
        return canaryDeltaSMedian(c, SHADOW_DELTA_S, "canary ΔS median must stay below the shadow stop",
                c.thresholds().shadowDeltaSMedianStop(), true);
    }

    private static RuleResult canaryDeltaSMedian(GateContext c, String rule, String desc, double limit, boolean strictlyBelow) {
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.deltaS() == null || canary.deltaS().count() == 0) {
            return Checks.insufficient(rule, desc, limit, strictlyBelow ? "<" : "<=", null, "no probe results for the canary");
        }
        Map<String, Long> samples = Map.of("canary", (long) canary.deltaS().count());
        return strictlyBelow
                ? Checks.below(rule, desc, canary.deltaS().median(), limit, samples, controlNote(c))
                : Checks.atMost(rule, desc, canary.deltaS().median(), limit, samples, controlNote(c));
    }

    static RuleResult schemaViolations(GateContext c) {
        String desc = "canary responses that break the RAG response schema";
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.calls() == 0) {
            return Checks.insufficient(SCHEMA, desc, 0.0, "<=", null, "no probe calls to the canary");
        }
        return Checks.atMost(SCHEMA, desc, (double) canary.schemaViolations(), 0.0, Map.of("canary", (long) canary.calls()), null);
    }

    static RuleResult topicCoverage(GateContext c) {
        String desc = "lowest canary mean coverage over the probe topics";
        double limit = c.thresholds().coverageMin();
        ProbeSummary.VariantProbes canary = canary(c);
        if (canary == null || canary.coverage() == null || canary.coverage().byTopic() == null
                || canary.coverage().byTopic().isEmpty()) {
            return Checks.insufficient(TOPIC_COVERAGE, desc, limit, ">=", null, "no per-topic coverage for the canary");
        }
        Map.Entry<String, Double> worst = new TreeMap<>(canary.coverage().byTopic()).entrySet().stream()
                .min(Map.Entry.comparingByValue()).orElseThrow();
        return Checks.atLeast(TOPIC_COVERAGE, desc, worst.getValue(), limit,
                Map.of("topics", (long) canary.coverage().byTopic().size()), "lowest topic: " + worst.getKey());
    }

    /** A flip is a (question, paraphrase) whose canary λ state differs from its control state. */
    static RuleResult flipsPerQuestion(GateContext c) {
        String desc = "most λ flips (canary vs control) on the paraphrases of one gold question";
        double limit = c.thresholds().maxFlippedParaphrases();
        ProbeSummary.VariantProbes canary = canary(c);
        ProbeSummary.VariantProbes control = c.evidence().probes() == null ? null : c.evidence().probes().control();
        if (canary == null || control == null || canary.lambda() == null || control.lambda() == null
                || canary.lambda().isEmpty() || control.lambda().isEmpty()) {
            return Checks.insufficient(FLIPS, desc, limit, "<=", null, "needs λ states for both variants");
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
        return Checks.atMost(FLIPS, desc, (double) worst, limit, Map.of("questions", (long) canary.lambda().size()),
                worstQuestion == null ? null : "most flips on " + worstQuestion);
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
