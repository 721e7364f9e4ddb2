package dev.ragcanary.local.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.core.traffic.LockKeptException;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.local.faults.SafetyInvariants.End;
import dev.ragcanary.local.faults.SafetyInvariants.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The checker the fault matrix trusts, on hand-made ends: it must tell each broken promise from a safe end, or a
 * matrix of 548 safe cases would prove nothing.
 */
class SafetyInvariantsTest {
    private static final String ROLLOUT = "r-v42";
    private static final Map<String, AliasState> ON_CONTROL = Map.of(
            "us-east-1", new AliasState("41", Map.of(), "a"), "eu-west-1", new AliasState("41", Map.of(), "b"));
    private static final Map<String, AliasState> ON_CANARY = Map.of(
            "us-east-1", new AliasState("42", Map.of(), "a"), "eu-west-1", new AliasState("42", Map.of(), "b"));

    private static LedgerEntry entry(long sequence, Type type, long epoch, String reason, String token) {
        return new LedgerEntry(ROLLOUT, sequence, Instant.parse("2026-12-01T10:00:00Z").plusSeconds(sequence), type,
                "one", 0.01, epoch, reason, null, token, 1);
    }

    private static List<LedgerEntry> rolledBackAndReleased() {
        return List.of(entry(1, Type.STARTED, 1, "started", "start"), entry(2, Type.WEIGHT_SET, 1, "stage one", "shift"),
                entry(3, Type.ROLLED_BACK, 2, "gate ROLLBACK", "rollback"),
                entry(4, Type.RELEASED, 2, "lock released after ROLLED_BACK", "release"));
    }

    /** The state item that committed the ledger's last entry. */
    private static Optional<RolloutState> stateAfter(RolloutStatus status, long epoch, List<LedgerEntry> ledger) {
        LedgerEntry last = ledger.get(ledger.size() - 1);
        return Optional.of(new RolloutState(ROLLOUT, "rag-answer", "live", "41", "42", "one", 0.0, epoch, status,
                Map.of("us-east-1", 0.0, "eu-west-1", 0.0), List.of(), "x-user", "header", 24, "v42:", last.sequence(),
                last.sequence(), "exec", last, Map.of(), Map.of()));
    }

    private static Verdict check(Map<String, AliasState> aliases, Optional<RolloutState> state, List<LedgerEntry> ledger) {
        return SafetyInvariants.check(ROLLOUT, "41", "42", aliases, state, ledger);
    }

    @Test
    void aRolledBackAndReleasedRolloutIsSafe() {
        List<LedgerEntry> ledger = rolledBackAndReleased();

        Verdict verdict = check(ON_CONTROL, stateAfter(RolloutStatus.RELEASED, 2, ledger), ledger);

        assertThat(verdict.violations()).isEmpty();
        assertThat(verdict.end()).isEqualTo(End.ROLLED_BACK);
    }

    @Test
    void aPromotedAndReleasedRolloutIsSafe() {
        List<LedgerEntry> ledger = List.of(entry(1, Type.STARTED, 1, "started", "start"),
                entry(2, Type.PROMOTED, 1, "alias points at version 42", "promote"),
                entry(3, Type.RELEASED, 1, "lock released after PROMOTED", "release"));

        Verdict verdict = check(ON_CANARY, stateAfter(RolloutStatus.RELEASED, 1, ledger), ledger);

        assertThat(verdict.violations()).isEmpty();
        assertThat(verdict.end()).isEqualTo(End.PROMOTED);
    }

    @Test
    void canaryWeightLeftOnAnAliasAfterTheRollbackIsUnsafe() {
        List<LedgerEntry> ledger = rolledBackAndReleased();
        Map<String, AliasState> lateRaise = Map.of("us-east-1", new AliasState("41", Map.of("42", 0.05), "c"),
                "eu-west-1", new AliasState("41", Map.of(), "b"));

        Verdict verdict = check(lateRaise, stateAfter(RolloutStatus.RELEASED, 2, ledger), ledger);

        assertThat(verdict.end()).isEqualTo(End.UNSAFE);
        assertThat(verdict.violations()).containsExactly("us-east-1 alias routes version 41 + {42=0.05} but the rollout"
                + " ended rolled back (control 41, no routing)");
    }

    @Test
    void aGapInTheLedgerIsUnsafe() {
        List<LedgerEntry> ledger = new ArrayList<>(rolledBackAndReleased());
        ledger.remove(1);

        Verdict verdict = check(ON_CONTROL, stateAfter(RolloutStatus.RELEASED, 2, ledger), ledger);

        assertThat(verdict.end()).isEqualTo(End.UNSAFE);
        assertThat(verdict.violations()).containsExactly("ledger sequence 3 at position 2: a gap");
    }

    @Test
    void aRequestRecordedTwiceIsUnsafe() {
        List<LedgerEntry> ledger = List.of(entry(1, Type.STARTED, 1, "started", "start"),
                entry(2, Type.VERDICT, 1, "ROLLBACK: error rate", "look"),
                entry(3, Type.VERDICT, 1, "ROLLBACK: error rate", "look"),
                entry(4, Type.ROLLED_BACK, 2, "gate ROLLBACK", "rollback"),
                entry(5, Type.RELEASED, 2, "lock released after ROLLED_BACK", "release"));

        Verdict verdict = check(ON_CONTROL, stateAfter(RolloutStatus.RELEASED, 2, ledger), ledger);

        assertThat(verdict.end()).isEqualTo(End.UNSAFE);
        assertThat(verdict.violations()).containsExactly("request look recorded twice");
    }

    @Test
    void aLockLeftHeldIsUnsafeUnlessTheLedgerFlagsItForRelease() {
        List<LedgerEntry> held = rolledBackAndReleased().subList(0, 3);
        Verdict silent = check(ON_CONTROL, stateAfter(RolloutStatus.ROLLED_BACK, 2, held), held);

        List<LedgerEntry> flagged = new ArrayList<>(held);
        flagged.add(entry(4, Type.INCOMPLETE, 2, LockKeptException.REASON_PREFIX + "us-east-1 routes version 41",
                "rollback/lock-kept"));
        Verdict kept = check(ON_CONTROL, stateAfter(RolloutStatus.ROLLED_BACK, 2, flagged), flagged);

        assertThat(silent.end()).isEqualTo(End.UNSAFE);
        assertThat(silent.violations()).containsExactly(
                "the lock is still held (ROLLED_BACK) and the ledger does not flag it for release");
        assertThat(kept.violations()).isEmpty();
        assertThat(kept.end()).isEqualTo(End.LOCK_FLAGGED);
    }

    @Test
    void aRolloutRefusedBeforeTheLockMayLeaveNoLedgerEntry() {
        Verdict refused = check(ON_CONTROL, Optional.empty(), List.of());
        Verdict wrote = check(ON_CONTROL, Optional.empty(), List.of(entry(1, Type.STARTED, 1, "started", "start")));

        assertThat(refused.end()).isEqualTo(End.REFUSED);
        assertThat(wrote.end()).isEqualTo(End.UNSAFE);
        assertThat(wrote.violations()).containsExactly("a rollout that never took the lock has 1 ledger entries");
    }
}
