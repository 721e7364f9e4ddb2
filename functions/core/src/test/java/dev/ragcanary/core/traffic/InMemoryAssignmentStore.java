package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.AssignmentStore;
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
    public Claim claim(String functionName, String alias, Assignment candidate, Instant now) {
        if (fail != null) {
            throw fail;
        }
        boolean[] written = {false};
        Assignment inForce = items.compute(functionName + "#" + alias + "#" + candidate.stickyKey(), (k, existing) -> {
            written[0] = existing == null || replaceable(existing, candidate, now);
            return written[0] ? candidate : existing;
        });
        return new Claim(inForce, written[0]);
    }

    private static boolean replaceable(Assignment existing, Assignment candidate, Instant now) {
        return !existing.rolloutId().equals(candidate.rolloutId())
                || existing.epoch() < candidate.epoch()
                || !now.isBefore(existing.expiresAt())
                || existing.variant() == Variant.CONTROL && existing.weight() < candidate.weight();
    }
}
