package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.ports.Ledger;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one way a rollout's state and ledger change. The state item is the commit point: a change is a conditional put
 * on the item's revision that carries the change's ledger entry ({@link RolloutState#lastEntry()}), so sequence
 * numbers are handed out one at a time and the newest entry always matches the state. The entry is then copied to the
 * ledger; a writer that stops in between leaves it in the state item, and the next change copies it before its own.
 * So two writers never take the same sequence and no entry is lost.
 *
 * <p>Each change carries its request's client token ({@link Step}): a retried request finds its entry and changes
 * nothing. A conflict with another writer is re-decided on the fresh state, a few times; this retry is logic (the new
 * state may make the change moot), not a transient-failure retry.
 */
final class RolloutCommits {
    /** Conflicts tolerated before giving up; each means another writer committed in between. */
    static final int CONFLICT_ATTEMPTS = 5;

    private final RolloutStore store;
    private final Ledger ledger;
    private final Clock clock;

    RolloutCommits(RolloutStore store, Ledger ledger, Clock clock) {
        this.store = store;
        this.ledger = ledger;
        this.clock = clock;
    }

    /**
     * A change to commit: the next state and the ledger entry that says why.
     *
     * @param noteOnly the change adds a ledger entry and nothing else ({@link RolloutStore#appendNote})
     */
    record Change(RolloutState next, Type type, String reason, JsonNode detail, boolean noteOnly) {
        Change(RolloutState next, Type type, String reason, JsonNode detail) {
            this(next, type, reason, detail, false);
        }

        static Change note(RolloutState current, Type type, String reason, JsonNode detail) {
            return new Change(current, type, reason, detail, true);
        }
    }

    /**
     * Reads the plan's state and commits what {@code decide} makes of it, re-reading and re-deciding after a conflict.
     * {@code guard} sees every fresh read first and may throw (e.g. the rollout was rolled back under a shift), even
     * when the request turns out to be already committed.
     *
     * @param decide the change, or empty when the state already is what the request wants
     * @return the state after the change (or as found, when there was nothing to do)
     */
    RolloutState commit(RolloutRequest plan, Step step, Consumer<RolloutState> guard,
                        Function<RolloutState, Optional<Change>> decide) {
        for (int attempt = 1; ; attempt++) {
            RolloutState current = owned(plan);
            guard.accept(current);
            List<LedgerEntry> written = ledger.entries(current.rolloutId());
            copyLastEntryUnlessWritten(current, written);
            if (entryOf(current, step, written).isPresent()) {
                return current;
            }
            Optional<Change> change = decide.apply(current);
            if (change.isEmpty()) {
                return current;
            }
            RolloutState next = change.get().next();
            LedgerEntry entry = new LedgerEntry(current.rolloutId(), current.ledgerSequence() + 1, clock.instant(),
                    change.get().type(), next.stage(), next.weight(), next.epoch(), change.get().reason(),
                    change.get().detail(), step.token(), step.attempt());
            try {
                RolloutState committed = next.withRevision(current.revision()).withLastEntry(entry);
                RolloutState stored = change.get().noteOnly() ? store.appendNote(committed) : store.update(committed);
                copyLastEntry(stored);
                return stored;
            } catch (RolloutStore.ConcurrentUpdateException conflict) {
                if (attempt == CONFLICT_ATTEMPTS) {
                    throw conflict;
                }
            }
        }
    }

    /** Writes the state's last entry to the ledger (a conditional put: a no-op when it is there already). */
    void copyLastEntry(RolloutState state) {
        if (state.lastEntry() != null) {
            ledger.append(state.lastEntry());
        }
    }

    private void copyLastEntryUnlessWritten(RolloutState state, List<LedgerEntry> written) {
        LedgerEntry last = state.lastEntry();
        if (last != null && written.stream().noneMatch(e -> e.sequence() == last.sequence())) {
            ledger.append(last);
        }
    }

    /** The entry the request with {@code step}'s token wrote, if it did. */
    Optional<LedgerEntry> entryOf(RolloutRequest plan, Step step) {
        return entryOf(owned(plan), step);
    }

    /** The entry the request with {@code step}'s token wrote to {@code current}'s rollout, if it did. */
    Optional<LedgerEntry> entryOf(RolloutState current, Step step) {
        return entryOf(current, step, ledger.entries(current.rolloutId()));
    }

    private static Optional<LedgerEntry> entryOf(RolloutState current, Step step, List<LedgerEntry> written) {
        LedgerEntry last = current.lastEntry();
        if (last != null && step.token().equals(last.token())) {
            return Optional.of(last);
        }
        return written.stream().filter(e -> step.token().equals(e.token())).findFirst();
    }

    /**
     * The newest entry that changed the state's status, stage or weight: the state's own last entry when it is one
     * (no read), else the ledger's.
     */
    LedgerEntry lastTransition(RolloutState state) {
        if (state.lastEntry() != null && state.lastEntry().type().isTransition()) {
            return state.lastEntry();
        }
        return ledger.complete(state.rolloutId(), Optional.of(state)).stream().filter(e -> e.type().isTransition())
                .reduce((first, second) -> second)
                .orElseThrow(() -> new IllegalStateException("rollout " + state.rolloutId() + " has no transition"));
    }

    /** When the rollout's last transition of {@code type} was committed (the state's own last entry, or the ledger's). */
    Instant lastTransitionAt(RolloutState state, Type type) {
        if (state.lastEntry() != null && state.lastEntry().type() == type) {
            return state.lastEntry().at();
        }
        return ledger.complete(state.rolloutId(), Optional.of(state)).stream().filter(e -> e.type() == type)
                .reduce((first, second) -> second).map(LedgerEntry::at)
                .orElseThrow(() -> new IllegalStateException("rollout " + state.rolloutId() + " has no " + type
                        + " entry"));
    }

    Optional<RolloutState> read(RolloutRequest plan) {
        return store.read(plan.target().functionName(), plan.target().alias());
    }

    /** The state item of the plan's alias, refusing when another rollout holds it. */
    RolloutState owned(RolloutRequest plan) {
        String fn = plan.target().functionName();
        String alias = plan.target().alias();
        RolloutState state = read(plan).orElseThrow(() -> new IllegalStateException(
                "no rollout on " + fn + ":" + alias + "; run the start action for " + plan.rolloutId() + " first"));
        if (!state.rolloutId().equals(plan.rolloutId())) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " does not hold " + fn + ":" + alias
                    + "; its state belongs to rollout " + state.rolloutId() + " (" + state.status() + ")");
        }
        return state;
    }
}
