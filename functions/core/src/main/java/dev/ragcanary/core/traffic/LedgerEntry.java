package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One transition of a rollout, kept forever.
 *
 * @param sequence 1, 2, 3, ... per rollout; an entry is written once at its sequence and never overwritten
 * @param weight   canary weight after the transition
 * @param reason   why (a rollback's cause, an approver's note); may be null
 * @param detail   structured evidence, e.g. a verdict with its rules; may be null
 */
public record LedgerEntry(String rolloutId, long sequence, Instant at, Type type, String stage, double weight,
                          long epoch, String reason, JsonNode detail) {

    public enum Type {
        STARTED, WEIGHT_SET, VERDICT, APPROVAL, PROMOTED, ROLLED_BACK, RELEASED
    }
}
