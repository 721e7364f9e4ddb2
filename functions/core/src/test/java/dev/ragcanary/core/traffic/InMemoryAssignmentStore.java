package dev.ragcanary.core.traffic;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Fake of {@link AssignmentStore} with the DynamoDB adapter's overwrite condition. */
final class InMemoryAssignmentStore implements AssignmentStore {
    final Map<String, Assignment> items = new ConcurrentHashMap<>();
    volatile RuntimeException fail;

    @Override
    public Optional<Assignment> get(String functionName, String alias, String stickyKey) {
        if (fail != null) {
            throw fail;
        }
        return Optional.ofNullable(items.get(functionName + "#" + alias + "#" + stickyKey));
    }

    @Override
    public Assignment claim(String functionName, String alias, Assignment candidate, Instant now) {
        if (fail != null) {
            throw fail;
        }
        return items.compute(functionName + "#" + alias + "#" + candidate.stickyKey(), (k, existing) ->
                existing == null || replaceable(existing, candidate, now) ? candidate : existing);
    }

    private static boolean replaceable(Assignment existing, Assignment candidate, Instant now) {
        return !existing.rolloutId().equals(candidate.rolloutId())
                || existing.epoch() < candidate.epoch()
                || !now.isBefore(existing.expiresAt())
                || existing.variant() == Variant.CONTROL && existing.weight() < candidate.weight();
    }
}
