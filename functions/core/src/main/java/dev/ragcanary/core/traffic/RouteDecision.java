package dev.ragcanary.core.traffic;

/**
 * Where one request goes and why.
 *
 * @param qualifier      version number (control/canary) or alias name to invoke
 * @param stickyKey      the key read from the request, null if unkeyed
 * @param bucket         the key's bucket (0..9999), -1 if unkeyed or not bucketed
 * @param warmPing       a warm-up ping from the stack's schedule: routed, never counted in metrics
 * @param mirrorToCanary shadow stage: also send this request to {@code canaryQualifier} asynchronously
 * @param experimentIgnored the client sent {@code x-exp} but its tenant is not trusted
 * @param edgeDecision   what became of an edge router's signed decision ({@link EdgeDecisions.Outcome#label()})
 */
public record RouteDecision(Variant variant, String qualifier, Reason reason, String rolloutId, long epoch,
                            String stickyKey, int bucket, boolean warmPing, boolean mirrorToCanary,
                            String canaryQualifier, boolean experimentIgnored, String edgeDecision) {

    public RouteDecision withEdgeDecision(String outcome) {
        return new RouteDecision(variant, qualifier, reason, rolloutId, epoch, stickyKey, bucket, warmPing,
                mirrorToCanary, canaryQualifier, experimentIgnored, outcome);
    }

    /**
     * The router could not route by the rollout and sent the request where the last rollout state it saw sends
     * everyone: the control while a rollout is active or rolled back, else the alias.
     */
    public boolean fallback() {
        return reason == Reason.STORE_UNAVAILABLE || reason == Reason.UNPARSEABLE;
    }

    public enum Reason {
        /** No rollout holds the alias, or it was promoted/released: the alias decides. */
        NO_ACTIVE_ROLLOUT,
        /** No sticky key: the alias splits by its weights. */
        UNKEYED,
        /** A valid stored assignment. */
        ASSIGNED,
        /** Bucketed now and this router's write won. */
        NEWLY_ASSIGNED,
        /** Bucketed now but another router wrote first; its assignment is used. */
        LOST_RACE,
        /** A trusted tenant asked for a variant with {@code x-exp}. */
        TRUSTED_EXPERIMENT,
        /** A trusted tenant, on the canary from stage five on. */
        TRUSTED_TENANT,
        /** No sticky key the router can read, but a trusted signed edge decision names the variant. */
        EDGE_DECISION,
        /** The rollout was rolled back: everyone on the control. */
        ROLLED_BACK,
        /** A store was unavailable. */
        STORE_UNAVAILABLE,
        /** The request could not be read: a malformed event, headers or body, or a sticky key too long to store. */
        UNPARSEABLE,
        /** A warm-up ping from the stack's schedule, sent to every version users can reach now. */
        WARM_UP
    }
}
