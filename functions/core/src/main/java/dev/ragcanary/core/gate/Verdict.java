package dev.ragcanary.core.gate;

import java.util.List;

/**
 * The gate's decision for one stage, with every rule it evaluated (not only the first failure).
 *
 * @param reason one line naming the deciding rules with observed values and limits
 */
public record Verdict(String stage, double weight, Decision decision, String reason, int extensions, List<RuleResult> rules) {

    public List<RuleResult> failed() {
        return rules.stream().filter(r -> r.outcome() == Outcome.FAIL).toList();
    }

    public List<RuleResult> insufficient() {
        return rules.stream().filter(r -> r.outcome() == Outcome.INSUFFICIENT).toList();
    }
}
