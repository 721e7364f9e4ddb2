package dev.ragcanary.core.traffic;

import java.util.List;

/** The append-only record of every rollout transition. */
public interface Ledger {

    /**
     * Writes {@code entry} at its sequence number unless that sequence is already taken (conditional put).
     *
     * @return true if written; false if an entry already exists at that sequence, which a retried action reads as
     *     "already recorded" (the existing entry is left untouched)
     */
    boolean append(LedgerEntry entry);

    /** Every entry of the rollout in sequence order. */
    List<LedgerEntry> entries(String rolloutId);
}
