package dev.ragcanary.core.ports;

import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;

/**
 * The per-(function, alias) rollout state item, which is also the lock that allows one rollout per alias at a time.
 * Writes are conditional so two controllers (or a retried Step Functions task) can never overwrite each other.
 */
public interface RolloutStore extends RolloutStateReader {

    /**
     * Takes the lock by writing {@code initial} if the alias has no state item or its rollout released the lock.
     * If the same rollout id already holds it (a retried start), nothing is written and the stored state is returned:
     * the caller joins it.
     *
     * @return the stored state (revision 1 when newly written)
     * @throws RolloutLockedException if another rollout holds the lock
     */
    RolloutState acquire(RolloutState initial);

    /**
     * {@link #acquire}, from the released item {@code replaced} as read: if that item changed since (an operator's
     * revert took the lock back and moved the alias), nothing is written and {@link ConcurrentUpdateException} says
     * to read it again, so a start never records a control version the alias no longer serves.
     */
    RolloutState acquireReplacing(RolloutState initial, RolloutState replaced);

    /**
     * Replaces the state if it is still at {@code next.revision()} (the revision the caller read) and returns it with
     * the revision incremented.
     *
     * @throws ConcurrentUpdateException if someone else wrote the item since it was read
     */
    RolloutState update(RolloutState next);

    /**
     * Commits a note: like {@link #update}, but only {@code next}'s ledger head (its ledger sequence and last entry) is
     * written, so a writer that may only add notes (the gate's verdicts) needs no right to change the rest of the state.
     * A store that has no such rights to grant simply updates.
     *
     * @throws ConcurrentUpdateException if someone else wrote the item since it was read
     */
    default RolloutState appendNote(RolloutState next) {
        return update(next);
    }

    /** Another rollout holds the alias. The message names it so an operator knows what to finish or roll back. */
    class RolloutLockedException extends RuntimeException {
        private final String activeRolloutId;

        public RolloutLockedException(String functionName, String alias, String activeRolloutId, RolloutStatus status) {
            super("alias " + functionName + ":" + alias + " is locked by rollout " + activeRolloutId + " (" + status
                    + "); finish, roll back or release that rollout before starting another");
            this.activeRolloutId = activeRolloutId;
        }

        public String activeRolloutId() {
            return activeRolloutId;
        }
    }

    /** The state item changed between read and write. */
    class ConcurrentUpdateException extends RuntimeException {
        public ConcurrentUpdateException(String message) {
            super(message);
        }
    }
}
