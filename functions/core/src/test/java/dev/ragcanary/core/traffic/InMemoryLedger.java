package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.Ledger;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Fake of {@link Ledger}: first write at a sequence wins. */
final class InMemoryLedger implements Ledger {
    private final Map<String, LedgerEntry> entries = new ConcurrentHashMap<>();

    @Override
    public boolean append(LedgerEntry entry) {
        return entries.putIfAbsent(entry.rolloutId() + "#" + entry.sequence(), entry) == null;
    }

    @Override
    public List<LedgerEntry> entries(String rolloutId) {
        return entries.values().stream().filter(e -> e.rolloutId().equals(rolloutId))
                .sorted(Comparator.comparingLong(LedgerEntry::sequence)).toList();
    }

    /** Drops the entry at {@code sequence} of every rollout, as if its write had never happened. */
    void forget(long sequence) {
        entries.values().removeIf(e -> e.sequence() == sequence);
    }
}
