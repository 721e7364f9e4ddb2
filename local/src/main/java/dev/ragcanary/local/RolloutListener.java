package dev.ragcanary.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** Follows a local rollout: every state (from {@link ExecutionListener}) plus one call per stage run and verdict. */
public interface RolloutListener extends ExecutionListener {

    RolloutListener NONE = new RolloutListener() {
    };

    /**
     * A stage execution started.
     *
     * @param extensions how many times this stage baked before (0 on the first run)
     * @param window     {@code stage}, or {@code promotion} for the promotion window before full
     * @param at         virtual time
     */
    default void onStageStarted(String stage, int extensions, String window, Instant at) {
    }

    /** A stage execution returned its verdict (the gate's {@code Verdict}, every rule with observed value and limit). */
    default void onStageFinished(JsonNode verdict, Instant at) {
    }
}
