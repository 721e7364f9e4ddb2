package dev.ragcanary.local;

import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a local rollout ended: the execution, the last stage it ran, the alias in every region, the rollout state item
 * and the ledger, all read back after the end (and after the cleanup every end gets), and the scenario's second
 * rollout on the same alias if it started one.
 *
 * @param cleanupFailures the error of each failed attempt of the cleanup; three mean the event would have gone to the
 *                        dead-letter queue
 */
public record RolloutOutcome(ExecutionResult execution, String lastStageRun, Map<String, AliasState> aliases,
                             Optional<RolloutState> state, List<LedgerEntry> ledger, List<String> cleanupFailures,
                             Optional<SecondRolloutOutcome> secondRollout) {

    /** The largest canary weight any region's alias still routes (0 after a rollback, routing cleared after promotion). */
    public double canaryWeightLeft(String canaryVersion) {
        return aliases.values().stream().mapToDouble(a -> a.weightOf(canaryVersion)).max().orElse(0);
    }
}
