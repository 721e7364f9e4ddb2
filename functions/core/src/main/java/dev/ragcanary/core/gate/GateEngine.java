package dev.ragcanary.core.gate;

import dev.ragcanary.core.judge.Finding;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rollout.HardStop;
import dev.ragcanary.core.rollout.InsufficientTraffic;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns (stage, thresholds, evidence) into a verdict. Pure: no clock, no I/O. Every rule is evaluated every time and
 * reported; the decision is ROLLBACK if any rule fails, EXTEND while a rule lacks samples or confident evidence and
 * extensions remain (live rules spread their error budget over those looks, so judging again stays valid),
 * then the rollout's insufficient-traffic policy (HOLD when only an incomplete probe replay is missing), and PROMOTE
 * only when every applicable rule passed.
 */
public final class GateEngine {
    /** Hard stops that are extra rules at their stage. */
    private static final Map<HardStop, List<Rule>> EXTRA_RULES = new EnumMap<>(Map.of(
            HardStop.SHADOW_DRIFT, List.of(ProbeRules::shadowDeltaS, ProbeRules::schemaViolations),
            HardStop.TOPIC_COVERAGE, List.of(ProbeRules::topicCoverage),
            HardStop.REGION_INDEX_PARITY, List.of(IndexRules::regionParity),
            HardStop.CACHE_COLLISION, List.of(LiveRules::cachePrefixCollisions),
            HardStop.PARAPHRASE_FLIPS, List.of(ProbeRules::flipsPerQuestion)));

    /** Hard stops that promote core rules to hard stops at their stage. */
    private static final Map<HardStop, Set<String>> HARD_CORE_RULES = new EnumMap<>(Map.of(
            HardStop.LATENCY_OR_NEW_FAILURE, Set.of(LiveRules.LATENCY, LiveRules.MEDIAN_SHIFT, LiveRules.NEW_FAILURE_CLASS)));

    /** Live-traffic rules, judged statistically (confident pass, confident fail, or bake again). */
    private static final List<Rule> LIVE_RULES = List.of(
            LiveRules::latencyP95Ratio,
            LiveRules::latencyMedianShift,
            LiveRules::errorRateRatio,
            LiveRules::errorRateCritical,
            LiveRules::newFailureClass);

    private final List<Rule> coreRules;
    private final Map<HardStop, List<Rule>> extraRules;

    private GateEngine(List<Rule> coreRules, Map<HardStop, List<Rule>> extraRules) {
        this.coreRules = List.copyOf(coreRules);
        this.extraRules = extraRules;
    }

    /** The docs/design.md core acceptance rules; live metrics go through the statistical judge. */
    public static GateEngine standard() {
        List<Rule> rules = new ArrayList<>(List.of(ProbeRules::deltaSMedian, ProbeRules::coverageMean, ProbeRules::lambdaConvergent));
        rules.addAll(LIVE_RULES);
        rules.addAll(List.of(IndexRules::matchesExpected, LiveRules::cacheHitDrop));
        rules.addAll(EgressRules.ALL);
        return new GateEngine(rules, EXTRA_RULES);
    }

    /**
     * Only the statistically judged live-traffic rules (hard stops at stage one included), with the same decision logic;
     * the decision simulation uses it, having no probes or fingerprints to judge.
     */
    public static GateEngine liveTrafficOnly() {
        return new GateEngine(LIVE_RULES, Map.of());
    }

    public Verdict evaluate(Stage stage, Thresholds thresholds, Evidence evidence) {
        return evaluate(stage, thresholds, evidence, r -> r);
    }

    /**
     * The shadow stage's look when its egress queries could not be read: the probe rules are judged as always (a failed
     * one still rolls back) and the shadow-stage egress rules are INSUFFICIENT, naming {@code unread}, never a pass:
     * EXTEND while extensions remain, then the insufficient-traffic policy (docs/metrics.md, "Egress").
     */
    public Verdict evaluateWithShadowEgressUnread(Stage stage, Thresholds thresholds, Evidence evidence, String unread) {
        return evaluate(stage, thresholds, evidence, r -> EgressRules.onUnreadAtShadow(r, unread));
    }

    private Verdict evaluate(Stage stage, Thresholds thresholds, Evidence evidence, UnaryOperator<RuleResult> adjust) {
        GateContext context = new GateContext(stage, thresholds, evidence);
        Set<String> hardCore = HARD_CORE_RULES.getOrDefault(stage.hardStop(), Set.of());
        List<RuleResult> results = new ArrayList<>();
        for (Rule rule : coreRules) {
            RuleResult r = rule.evaluate(context);
            results.add(hardCore.contains(r.rule()) ? r.asHardStop() : r);
        }
        for (Rule rule : extraRules.getOrDefault(stage.hardStop(), List.of())) {
            results.add(rule.evaluate(context).asHardStop());
        }
        results.replaceAll(adjust);
        ProbeSummary.Incomplete incomplete = evidence.probes() == null ? null : evidence.probes().incomplete();
        if (incomplete != null) {
            results.replaceAll(ProbeRules::onIncompleteReplay);
        }
        return decide(stage, thresholds, evidence.extensions(), results, incomplete);
    }

    /**
     * The look after the promotion's bake: the live rules, with the promoted version's traffic since the promotion as
     * the canary and the previous version's last figures (the control of the last stage's evidence) as the control.
     * Only a failed rule reverts (ROLLBACK); too little traffic leaves the promotion standing (PROMOTE, the reason
     * naming what was not decided): nothing measured speaks against the promoted version.
     */
    public static Verdict judgeAfterPromotion(Stage full, Thresholds thresholds, Evidence evidence) {
        GateContext context = new GateContext(full, thresholds, evidence, true);
        List<RuleResult> results = LIVE_RULES.stream().map(rule -> rule.evaluate(context)).toList();
        List<RuleResult> failed = results.stream().filter(r -> r.outcome() == Outcome.FAIL).toList();
        if (!failed.isEmpty()) {
            return new Verdict(full.name(), full.weight(), Decision.ROLLBACK, "after the promotion: " + explain(failed),
                    0, results);
        }
        List<String> undecided = results.stream().filter(r -> r.outcome() == Outcome.INSUFFICIENT).map(RuleResult::rule)
                .toList();
        return new Verdict(full.name(), full.weight(), Decision.PROMOTE, undecided.isEmpty()
                ? "the promoted version held every live rule against the previous version's last figures"
                : "no live rule failed after the promotion; not decided for lack of samples: " + undecided, 0, results);
    }

    /**
     * A look during the bake: the live rules only (no probes), every one of them on intervals that stay valid however
     * many looks the stage takes. ROLLBACK as soon as a rule is confidently broken; otherwise EXTEND, which here means
     * "bake on": a look never promotes, and never spends an extension. Promotion still needs the bake's end and the
     * probe replay.
     */
    public static Verdict liveLook(Stage stage, Thresholds thresholds, Evidence evidence, int look) {
        GateContext context = new GateContext(stage, thresholds, evidence);
        Set<String> hardCore = HARD_CORE_RULES.getOrDefault(stage.hardStop(), Set.of());
        List<RuleResult> results = LIVE_RULES.stream().map(rule -> rule.evaluate(context))
                .map(r -> hardCore.contains(r.rule()) ? r.asHardStop() : r).toList();
        List<RuleResult> failed = results.stream().filter(r -> r.outcome() == Outcome.FAIL)
                .sorted((a, b) -> Boolean.compare(b.hardStop(), a.hardStop())).toList();
        if (!failed.isEmpty()) {
            return new Verdict(stage.name(), stage.weight(), Decision.ROLLBACK, "rule failed at stage " + stage.name()
                    + ", live look " + look + " during the bake: " + explain(failed), evidence.extensions(), results);
        }
        return new Verdict(stage.name(), stage.weight(), Decision.EXTEND, "live look " + look + " at stage "
                + stage.name() + ": no live rule confidently broken; the bake goes on", evidence.extensions(), results);
    }

    /**
     * The verdict when the live metrics could not be read (the deadline came first, or the metrics backend refused or
     * lost a query): nothing was measured, so neither a promotion nor a rollback. Bake again while extensions remain,
     * then HOLD for a person whatever the insufficient-traffic policy (the canary was not judged short of traffic, only
     * unread). {@code unread} names what was not read and why.
     */
    public Verdict liveMetricsUnread(Stage stage, Thresholds thresholds, int extensions, String unread) {
        if (extensions < thresholds.maxExtensions()) {
            return new Verdict(stage.name(), stage.weight(), Decision.EXTEND, "bake again (extension " + (extensions + 1)
                    + " of " + thresholds.maxExtensions() + "): live metrics not read: " + unread, extensions, List.of());
        }
        return new Verdict(stage.name(), stage.weight(), Decision.HOLD, "live metrics still not read after "
                + extensions + " extensions, a person decides: " + unread, extensions, List.of());
    }

    /**
     * An incomplete probe replay never rolls back by itself: the probe rules it leaves undecided extend the stage, and
     * once the extensions are spent a person decides (HOLD), whatever the insufficient-traffic policy says.
     */
    private static Verdict decide(Stage stage, Thresholds thresholds, int extensions, List<RuleResult> results,
                                  ProbeSummary.Incomplete incomplete) {
        List<RuleResult> failed = results.stream().filter(r -> r.outcome() == Outcome.FAIL)
                .sorted((a, b) -> Boolean.compare(b.hardStop(), a.hardStop())).toList();
        List<RuleResult> lacking = results.stream().filter(r -> r.outcome() == Outcome.INSUFFICIENT).toList();
        Decision decision;
        String reason;
        if (!failed.isEmpty()) {
            decision = Decision.ROLLBACK;
            reason = (failed.get(0).hardStop() ? "hard stop at stage " : "rule failed at stage ") + stage.name() + ": "
                    + explain(failed);
        } else if (!lacking.isEmpty() && extensions < thresholds.maxExtensions()) {
            decision = Decision.EXTEND;
            reason = "bake again (extension " + (extensions + 1) + " of " + thresholds.maxExtensions()
                    + "): not enough evidence yet for " + names(lacking)
                    + (incomplete == null ? "" : "; " + ProbeRules.REPLAY_INCOMPLETE + ": " + incomplete.reason());
        } else if (!lacking.isEmpty() && incomplete != null && lacking.stream().allMatch(ProbeRules::isProbeRule)) {
            decision = Decision.HOLD;
            reason = ProbeRules.REPLAY_INCOMPLETE + " after " + extensions + " extensions, a person decides: "
                    + incomplete.reason() + "; not decided: " + names(lacking);
        } else if (!lacking.isEmpty()) {
            decision = thresholds.onInsufficientTraffic() == InsufficientTraffic.HOLD ? Decision.HOLD : Decision.ROLLBACK;
            List<RuleResult> undecidable = lacking.stream().filter(RuleResult::undecidableAtLimit).toList();
            List<RuleResult> shortOfTraffic = lacking.stream().filter(r -> !r.undecidableAtLimit()).toList();
            reason = Stream.of(
                    undecidable.isEmpty() ? null : Finding.UNDECIDABLE + " after " + extensions
                            + " extensions (more traffic would not decide it): " + explain(undecidable),
                    shortOfTraffic.isEmpty() ? null : "not enough traffic to judge after " + extensions + " extensions: "
                            + explain(shortOfTraffic)).filter(Objects::nonNull).collect(Collectors.joining("; "));
        } else {
            decision = Decision.PROMOTE;
            reason = "every rule holds at stage " + stage.name();
        }
        return new Verdict(stage.name(), stage.weight(), decision, reason, extensions, List.copyOf(results));
    }

    private static String explain(List<RuleResult> rules) {
        return rules.stream().map(RuleResult::explain).collect(Collectors.joining("; "));
    }

    private static String names(List<RuleResult> rules) {
        Map<String, String> byRule = new LinkedHashMap<>();
        rules.forEach(r -> byRule.put(r.rule(), r.note()));
        return byRule.entrySet().stream().map(e -> e.getKey() + (e.getValue() == null ? "" : " (" + e.getValue() + ")"))
                .collect(Collectors.joining(", "));
    }
}
