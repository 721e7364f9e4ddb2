package dev.ragcanary.core.traffic;

/**
 * A release was asked of an ACTIVE rollout whose canary still has weight. Releasing would leave that traffic on the
 * canary with no rollout watching it, and a release does not roll an ACTIVE rollout back: promote or roll back first.
 */
public class CanaryStillRoutedException extends IllegalStateException {
    public CanaryStillRoutedException(String message) {
        super(message);
    }
}
