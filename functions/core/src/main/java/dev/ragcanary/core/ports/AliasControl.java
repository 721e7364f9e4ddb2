package dev.ragcanary.core.ports;

import java.util.Map;

/**
 * Reads and writes a Lambda alias's routing in one region (the traffic port, like argo-rollouts' TrafficRouting).
 * Implementations do one API call per method; retry, set-then-verify and idempotency live in the domain service.
 */
public interface AliasControl {

    /** Current alias state. */
    AliasState read(String region, String functionName, String alias);

    /**
     * Points the alias at {@code functionVersion} with {@code additionalVersionWeights} (empty map clears routing),
     * only if the alias still has {@code expectedRevisionId}.
     *
     * @throws StaleRevisionException if the alias changed since it was read
     * @throws ThrottledException     if the control plane throttled the call
     */
    AliasState update(String region, String functionName, String alias, String functionVersion,
                      Map<String, Double> additionalVersionWeights, String expectedRevisionId);

    /**
     * What an alias routes to.
     *
     * @param functionVersion          the version that gets the remaining weight (the control)
     * @param additionalVersionWeights other version -> weight (0..1); the canary during a rollout
     * @param revisionId               changes on every update; used for optimistic concurrency
     */
    record AliasState(String functionVersion, Map<String, Double> additionalVersionWeights, String revisionId) {
        public AliasState {
            additionalVersionWeights = additionalVersionWeights == null ? Map.of() : Map.copyOf(additionalVersionWeights);
        }

        public double weightOf(String version) {
            return additionalVersionWeights.getOrDefault(version, 0.0);
        }
    }

    /** The alias's RevisionId no longer matches: someone else changed it. */
    class StaleRevisionException extends RuntimeException {
        public StaleRevisionException(String message) {
            super(message);
        }
    }

    /** The control plane asked us to slow down (HTTP 429); safe to retry with backoff. */
    class ThrottledException extends TransientFailureException {
        public ThrottledException(String message) {
            super(message);
        }
    }
}
