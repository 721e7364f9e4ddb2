package dev.ragcanary.core.traffic;

import java.time.Instant;

/**
 * The variant one sticky key is pinned to.
 *
 * @param weight    the canary weight when the assignment was made; a control assignment made at a lower weight is
 *                  re-bucketed when the weight rises (raising the weight only ever adds keys to the canary)
 * @param expiresAt also the DynamoDB TTL; checked on every read because TTL deletion is lazy
 */
public record Assignment(String stickyKey, String rolloutId, long epoch, Variant variant, String version,
                         double weight, Instant expiresAt) {

    /**
     * Same rollout, same epoch, not expired, and not a control assignment outgrown by a weight increase.
     *
     * @param currentWeight the canary weight the router applies now (its region's)
     */
    public boolean validFor(RolloutState state, double currentWeight, Instant now) {
        return rolloutId.equals(state.rolloutId())
                && epoch == state.epoch()
                && now.isBefore(expiresAt)
                && !(variant == Variant.CONTROL && weight < currentWeight);
    }
}
