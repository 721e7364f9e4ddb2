package dev.ragcanary.local.faults;

/** How a control-plane call fails in a fault-matrix case. */
public enum FaultKind {
    /** Throttling or a 5xx: nothing happened, and the same call succeeds when tried again. */
    TRANSIENT("transient"),
    /** Access denied or not found: nothing happened, and the caller must not expect a retry to help. */
    PERMANENT("permanent"),
    /** The call took effect, but the caller saw a timeout instead of the reply. */
    APPLIED_RESPONSE_LOST("applied, reply lost");

    private final String label;

    FaultKind(String label) {
        this.label = label;
    }

    /** Whether the call changes anything before it fails. */
    public boolean takesEffect() {
        return this == APPLIED_RESPONSE_LOST;
    }

    public String label() {
        return label;
    }
}
