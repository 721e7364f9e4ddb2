package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.ports.Ledger;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.core.traffic.RolloutCommits.Change;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/**
 * Appends notes that are not alias changes (verdicts, approvals, abort requests, steps that did not finish) to the
 * ledger of the rollout that holds the alias, committed like every change ({@link RolloutCommits}): a retried note
 * (same client token) writes nothing, and a note racing a rollback gets the next sequence instead of being lost.
 * Used by the weight shifter, the gate (every verdict) and the operator commands.
 */
public final class LedgerNotes {
    /**
     * The note the request with {@code step}'s token wrote, if it did: a retried request answers with what it
     * recorded the first time instead of deciding again.
     */
    public Optional<LedgerEntry> recorded(RolloutRequest plan, Step step) {
        return commits.entryOf(plan, step);
    }

    /** Notes about a running rollout: moot once it ended, so they are not written after it. */
    private static final Set<Type> WHILE_ACTIVE = Set.of(Type.VERDICT, Type.APPROVAL, Type.ABORT_REQUESTED);

    private final RolloutCommits commits;

    public LedgerNotes(RolloutStore store, Ledger ledger, Clock clock) {
        this.commits = new RolloutCommits(store, ledger, clock);
    }

    /**
     * Appends the note unless {@code step} already wrote it. Verdicts, approvals and abort requests are written only
     * while the rollout is ACTIVE, and no note after the lock was released, so the last entry of a finished rollout
     * is always its last transition (or what kept its lock).
     *
     * @return the state after the note (or as found, when nothing was written)
     */
    public RolloutState record(RolloutRequest plan, Type type, String reason, JsonNode detail, Step step) {
        if (type.isTransition()) {
            throw new IllegalArgumentException(type + " is a transition, not a note");
        }
        return commits.commit(plan, step, state -> { }, state -> state.status() == RolloutStatus.RELEASED
                || WHILE_ACTIVE.contains(type) && state.status() != RolloutStatus.ACTIVE
                ? Optional.empty()
                : Optional.of(Change.note(state, type, reason, detail)));
    }
}
