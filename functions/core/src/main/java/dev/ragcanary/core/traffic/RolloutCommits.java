package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import java.time.Clock;
import java.time.Instant;
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

    /** A change to commit: the next state and the ledger entry that says why. */
    record Change(RolloutState next, Type type, String reason, JsonNode detail) {
        static Change note(RolloutState current, Type type, String reason, JsonNode detail) {
            return new Change(current, type, reason, detail);
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
            RolloutState current = WeightShifter.owned(store, plan);
            guard.accept(current);
            copyLastEntry(current);
            if (committed(current, step)) {
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
                RolloutState stored = store.update(next.withRevision(current.revision()).withLastEntry(entry));
                copyLastEntry(stored);
                return stored;
            } catch (RolloutStore.ConcurrentUpdateException conflict) {
                if (attempt == CONFLICT_ATTEMPTS) {
                    throw conflict;
                }
            }
        }
    }

    /** Writes the state's last entry to the ledger if it is not there yet. */
    void copyLastEntry(RolloutState state) {
        if (state.lastEntry() != null) {
            ledger.append(state.lastEntry());
        }
    }

    /** Whether the request with {@code step}'s token already wrote an entry of this rollout. */
    private boolean committed(RolloutState current, Step step) {
        return entryOf(current, step).isPresent();
    }

    /** The entry the request with {@code step}'s token wrote, if it did. */
    Optional<LedgerEntry> entryOf(RolloutState current, Step step) {
        LedgerEntry last = current.lastEntry();
        if (last != null && step.token().equals(last.token())) {
            return Optional.of(last);
        }
        return ledger.entries(current.rolloutId()).stream().filter(e -> step.token().equals(e.token())).findFirst();
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
}
