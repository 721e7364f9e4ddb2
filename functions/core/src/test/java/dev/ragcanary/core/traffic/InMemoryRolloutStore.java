package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.RolloutStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Fake of {@link RolloutStore} with the same conditional semantics as the DynamoDB adapter. */
final class InMemoryRolloutStore implements RolloutStore {
    private final Map<String, RolloutState> items = new ConcurrentHashMap<>();
    volatile RuntimeException failReads;
    /** Runs before each conditional update: lets a test commit another writer's change "concurrently". */
    volatile Runnable beforeUpdate = () -> { };
    /** Runs once before the next acquire takes effect: another writer getting in between a read and the lock. */
    volatile Runnable beforeAcquire = () -> { };
    /** Thrown once after the next update took effect: its reply was lost. */
    volatile RuntimeException lostReply;

    @Override
    public Optional<RolloutState> read(String functionName, String alias) {
        if (failReads != null) {
            throw failReads;
        }
        return Optional.ofNullable(items.get(functionName + "#" + alias));
    }

    @Override
    public synchronized RolloutState acquire(RolloutState initial) {
        return acquire(initial, null);
    }

    @Override
    public synchronized RolloutState acquireReplacing(RolloutState initial, RolloutState replaced) {
        return acquire(initial, replaced);
    }

    private RolloutState acquire(RolloutState initial, RolloutState replaced) {
        Runnable hook = beforeAcquire;
        beforeAcquire = () -> { };
        hook.run();
        String key = initial.functionName() + "#" + initial.alias();
        RolloutState held = items.get(key);
        if (held != null && held.status().holdsLock()) {
            if (held.rolloutId().equals(initial.rolloutId())) {
                return held;
            }
            throw new RolloutLockedException(initial.functionName(), initial.alias(), held.rolloutId(), held.status());
        }
        if (held != null && replaced != null && held.revision() != replaced.revision()) {
            throw new ConcurrentUpdateException("released state changed since it was read");
        }
        RolloutState stored = initial.withRevision(1);
        items.put(key, stored);
        return stored;
    }

    @Override
    public RolloutState update(RolloutState next) {
        Runnable hook = beforeUpdate;
        beforeUpdate = () -> { };
        hook.run();
        RolloutState stored = conditionalUpdate(next);
        RuntimeException lost = lostReply;
        lostReply = null;
        if (lost != null) {
            throw lost;
        }
        return stored;
    }

    private synchronized RolloutState conditionalUpdate(RolloutState next) {
        String key = next.functionName() + "#" + next.alias();
        RolloutState held = items.get(key);
        if (held == null || held.revision() != next.revision() || !held.rolloutId().equals(next.rolloutId())) {
            throw new ConcurrentUpdateException("state of " + key + " changed");
        }
        RolloutState stored = next.withRevision(next.revision() + 1);
        items.put(key, stored);
        return stored;
    }

    /** Writes a state as another controller would. */
    void put(RolloutState state) {
        items.put(state.functionName() + "#" + state.alias(), state);
    }
}
