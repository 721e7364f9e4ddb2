package dev.ragcanary.core.traffic;

/**
 * A raise of the canary weight was refused or taken back because the rollout is no longer driven by the caller: it
 * was rolled back, released, or its epoch moved (a stopped execution's cleanup), or another execution owns it. Not a
 * transient failure: retrying cannot make the raise right.
 */
public class RolloutFencedException extends RuntimeException {
    public RolloutFencedException(String message) {
        super(message);
    }
}
