package dev.ragcanary.core.ports;

import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The append-only record of every rollout transition and note. Entries are committed with the rollout's state item
 * ({@link RolloutState#lastEntry()}) and copied here; {@link #complete} gives the whole record even when the copy of
 * the newest entry has not been written yet.
 */
public interface Ledger {

    /**
     * Writes {@code entry} at its sequence number unless that sequence is already taken (conditional put).
     *
     * @return true if written; false if an entry already exists at that sequence (the existing one is left untouched)
     */
    boolean append(LedgerEntry entry);

    /** Every entry of the rollout written to the ledger, in sequence order. */
    List<LedgerEntry> entries(String rolloutId);

    /** Every entry of the rollout, including the newest one that may still be only in its state item. */
    default List<LedgerEntry> complete(String rolloutId, Optional<RolloutState> state) {
        List<LedgerEntry> written = new ArrayList<>(entries(rolloutId));
        state.filter(s -> s.rolloutId().equals(rolloutId)).map(RolloutState::lastEntry)
                .filter(last -> written.stream().noneMatch(e -> e.sequence() == last.sequence()))
                .ifPresent(written::add);
        return written;
    }
}
