package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One transition or note of a rollout, kept forever.
 *
 * @param sequence 1, 2, 3, ... per rollout with no gaps; an entry is written once at its sequence, never overwritten
 * @param weight   canary weight after the transition
 * @param reason   why (a rollback's cause, an approver's answer); may be null
 * @param detail   structured evidence, e.g. a verdict with its rules; may be null
 * @param token    the client token of the request that wrote it: a retried request finds it and writes nothing
 * @param attempt  which attempt of that request wrote it (1 = the first; a Step Functions retry counts up)
 */
public record LedgerEntry(String rolloutId, long sequence, Instant at, Type type, String stage, double weight,
                          long epoch, String reason, JsonNode detail, String token, int attempt) {

    public enum Type {
        STARTED, WEIGHT_SET, VERDICT, APPROVAL, PROMOTED, ROLLED_BACK, RELEASED,
        /** An operator put the alias back on the version a released promotion replaced ({@code ./canary revert}). */
        REVERTED,
        /** An operator asked to stop the rollout ({@code ./canary abort --reason}). */
        ABORT_REQUESTED,
        /** A step that could not finish and what it leaves to do (e.g. the lock kept for {@code ./canary release}). */
        INCOMPLETE;

        /** Whether entries of this type change the rollout's status, stage or weight (the others are notes). */
        public boolean isTransition() {
            return this == STARTED || this == WEIGHT_SET || this == PROMOTED || this == ROLLED_BACK || this == RELEASED
                    || this == REVERTED;
        }
    }
}
