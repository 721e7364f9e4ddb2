package dev.ragcanary.core.gate;

/** One acceptance rule: a pure function of the stage, thresholds and evidence. */
@FunctionalInterface
public interface Rule {
    RuleResult evaluate(GateContext context);
}
