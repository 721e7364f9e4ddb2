package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Appends notes that are not alias changes (verdicts, approvals) to the ledger of the rollout that holds the alias,
 * at the next sequence number. Used by the weight shifter and by the gate, which records every verdict it returns.
 */
public final class LedgerNotes {
    private final RolloutStore store;
    private final Ledger ledger;
    private final Clock clock;

    public LedgerNotes(RolloutStore store, Ledger ledger, Clock clock) {
        this.store = store;
        this.ledger = ledger;
        this.clock = clock;
    }

    /**
     * Appends the note. Retrying the same note (same type, stage, reason and detail as the latest entry) writes
     * nothing, so retried tasks stay single entries.
     */
    public RolloutState record(RolloutRequest plan, Type type, String reason, JsonNode detail) {
        RolloutState current = WeightShifter.owned(store, plan);
        List<LedgerEntry> entries = ledger.entries(plan.rolloutId());
        if (!entries.isEmpty()) {
            LedgerEntry last = entries.get(entries.size() - 1);
            if (last.type() == type && Objects.equals(last.stage(), current.stage())
                    && Objects.equals(last.reason(), reason) && sameJson(last.detail(), detail)) {
                return current;
            }
        }
        long sequence = current.ledgerSequence() + 1;
        ledger.append(new LedgerEntry(plan.rolloutId(), sequence, clock.instant(), type, current.stage(),
                current.weight(), current.epoch(), reason, detail));
        return store.update(current.withLedgerSequence(sequence));
    }

    /** Equal as JSON values: a stored 400 may come back as another numeric node type than the one written. */
    private static boolean sameJson(JsonNode stored, JsonNode given) {
        if (stored == null || given == null) {
            return stored == given;
        }
        return stored.equals(NUMBERS_BY_VALUE, given);
    }

    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> {
        if (a.equals(b)) {
            return 0;
        }
        return a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
    };
}
