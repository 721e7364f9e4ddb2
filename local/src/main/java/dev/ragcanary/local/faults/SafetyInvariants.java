package dev.ragcanary.local.faults;

import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * rag-canary's promise, checked after a rollout ended (and after any cleanup): it is either promoted (every region's
 * alias on the canary with routing cleared) or rolled back (canary weight 0 and the alias on the control in every
 * region), the state item agrees with the alias, the lock is released or explicitly flagged for
 * {@code ./canary release}, and the ledger is whole: sequences 1..n without a gap, no request recorded twice, the
 * state item's last entry is the ledger's last, and the last transition is the state's status.
 */
public final class SafetyInvariants {

    /** How a rollout ended, as far as the alias, the state and the lock go. */
    public enum End {
        /** The alias is on the canary and the lock is free. */
        PROMOTED,
        /** Canary weight 0 everywhere and the lock is free. */
        ROLLED_BACK,
        /** Promoted or rolled back, with the lock kept and the ledger saying why: waits for {@code ./canary release}. */
        LOCK_FLAGGED,
        /** Refused before taking the lock: nothing was changed. */
        REFUSED,
        /** Anything else: a broken promise. */
        UNSAFE
    }

    /** @param violations what broke the promise; empty when safe */
    public record Verdict(End end, List<String> violations) {
        public boolean safe() {
            return violations.isEmpty();
        }
    }

    private SafetyInvariants() {
    }

    /**
     * @param rolloutId the rollout the case started; {@code state} may belong to no rollout or another one
     * @param aliases   every region's alias after the end
     */
    public static Verdict check(String rolloutId, String controlVersion, String canaryVersion,
                                Map<String, AliasState> aliases, Optional<RolloutState> state,
                                List<LedgerEntry> ledger) {
        List<String> broken = new ArrayList<>();
        if (state.isEmpty() || !state.get().rolloutId().equals(rolloutId)) {
            aliasesAt(aliases, controlVersion, canaryVersion, false, broken);
            if (!ledger.isEmpty()) {
                broken.add("a rollout that never took the lock has " + ledger.size() + " ledger entries");
            }
            return verdict(End.REFUSED, broken);
        }
        RolloutState s = state.get();
        ledgerWhole(s, ledger, broken);
        List<LedgerEntry> transitions = ledger.stream().filter(e -> e.type().isTransition()).toList();
        boolean promoted = s.status() == RolloutStatus.PROMOTED || s.status() == RolloutStatus.RELEASED
                && transitions.size() >= 2 && transitions.get(transitions.size() - 2).type() == Type.PROMOTED;
        if (s.status() == RolloutStatus.ACTIVE) {
            broken.add("the rollout ended but its state is still ACTIVE at stage " + s.stage() + " weight " + s.weight());
        }
        if (s.status() == RolloutStatus.RELEASED && transitions.size() >= 2
                && !Set.of(Type.PROMOTED, Type.ROLLED_BACK, Type.REVERTED)
                .contains(transitions.get(transitions.size() - 2).type())) {
            broken.add("the lock was released from " + transitions.get(transitions.size() - 2).type()
                    + ", neither promoted nor rolled back");
        }
        aliasesAt(aliases, controlVersion, canaryVersion, promoted, broken);
        if (!promoted && s.status() != RolloutStatus.ACTIVE && s.epoch() != 2) {
            broken.add("a rollback must bump the epoch exactly once (1 -> 2) but it is " + s.epoch());
        }
        boolean flagged = s.lockKept();
        if (s.status() != RolloutStatus.RELEASED && !flagged) {
            broken.add("the lock is still held (" + s.status() + ") and the ledger does not flag it for release");
        }
        End end = flagged ? End.LOCK_FLAGGED : promoted ? End.PROMOTED : End.ROLLED_BACK;
        return verdict(end, broken);
    }

    private static Verdict verdict(End end, List<String> broken) {
        return new Verdict(broken.isEmpty() ? end : End.UNSAFE, List.copyOf(broken));
    }

    private static void aliasesAt(Map<String, AliasState> aliases, String control, String canary, boolean promoted,
                                  List<String> broken) {
        aliases.forEach((region, alias) -> {
            String expected = promoted ? canary : control;
            if (!alias.functionVersion().equals(expected) || alias.additionalVersionWeights().values().stream()
                    .anyMatch(w -> w > 0)) {
                broken.add(region + " alias routes version " + alias.functionVersion() + " + "
                        + alias.additionalVersionWeights() + " but the rollout ended "
                        + (promoted ? "promoted (canary " : "rolled back (control ") + expected + ", no routing)");
            }
        });
    }

    private static void ledgerWhole(RolloutState state, List<LedgerEntry> ledger, List<String> broken) {
        for (int i = 0; i < ledger.size(); i++) {
            if (ledger.get(i).sequence() != i + 1) {
                broken.add("ledger sequence " + ledger.get(i).sequence() + " at position " + (i + 1) + ": a gap");
                return;
            }
        }
        if (state.ledgerSequence() != ledger.size()) {
            broken.add("the state item's ledger sequence is " + state.ledgerSequence() + " but the ledger has "
                    + ledger.size() + " entries");
        } else if (!ledger.isEmpty() && state.lastEntry() != null
                && !Objects.equals(state.lastEntry(), ledger.get(ledger.size() - 1))) {
            broken.add("the state item's last entry differs from the ledger's last");
        }
        Set<String> tokens = new HashSet<>();
        Set<String> transitions = new HashSet<>();
        for (LedgerEntry entry : ledger) {
            if (entry.token() != null && !tokens.add(entry.token())) {
                broken.add("request " + entry.token() + " recorded twice");
            }
            if (entry.type().isTransition() && !transitions.add(entry.type() + " " + entry.stage() + " " + entry.epoch())) {
                broken.add(entry.type() + " at stage " + entry.stage() + " epoch " + entry.epoch() + " recorded twice");
            }
        }
        LedgerEntry lastTransition = null;
        for (LedgerEntry entry : ledger) {
            if (entry.type().isTransition()) {
                lastTransition = entry;
            } else if (lastTransition != null && lastTransition.type() != Type.STARTED
                    && lastTransition.type() != Type.WEIGHT_SET && entry.type() != Type.INCOMPLETE) {
                broken.add(entry.type() + " (" + entry.reason() + ") recorded after the rollout ended ("
                        + lastTransition.type() + ")");
            }
        }
        Set<Type> expected = switch (state.status()) {
            case ACTIVE -> null;
            case PROMOTED -> Set.of(Type.PROMOTED);
            case ROLLED_BACK -> Set.of(Type.ROLLED_BACK, Type.REVERTED);
            case RELEASED -> Set.of(Type.RELEASED);
        };
        if (expected != null && (lastTransition == null || !expected.contains(lastTransition.type()))) {
            broken.add("the state says " + state.status() + " but the ledger's last transition is "
                    + (lastTransition == null ? "none" : lastTransition.type()));
        }
    }
}
