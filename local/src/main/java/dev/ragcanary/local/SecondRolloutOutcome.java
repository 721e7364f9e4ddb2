package dev.ragcanary.local;

/**
 * The scenario's second rollout on the same alias ({@code secondRollout}) and how it ended.
 *
 * @param duringStage      the first rollout's stage whose execution had just started
 * @param outcome          its execution, ledger, and the alias's state item as it was when it ended
 * @param canaryWeightEver the largest share of traffic its canary version ever got (0: it touched no alias)
 */
public record SecondRolloutOutcome(String duringStage, String rolloutId, String canaryVersion, RolloutOutcome outcome,
                                   double canaryWeightEver) {

    /** Refused because another rollout holds the alias lock. */
    public boolean refusedByTheLock() {
        return "FAILED".equals(outcome.execution().status()) && outcome.execution().error() != null
                && outcome.execution().error().endsWith("RolloutLockedException");
    }
}
