package dev.ragcanary.core.gate;

import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;

/** What a rule sees: the stage being judged, the limits in force and the evidence gathered. */
public record GateContext(Stage stage, Thresholds thresholds, Evidence evidence) {

    /** Live comparisons need users on both variants: none at weight 0 (shadow), no control at weight 1. */
    public boolean liveTrafficOnBothVariants() {
        return !stage.isShadow() && !stage.isFull();
    }
}
