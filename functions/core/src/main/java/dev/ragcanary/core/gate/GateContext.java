package dev.ragcanary.core.gate;

import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;

/**
 * What a rule sees: the stage being judged, the limits in force and the evidence gathered.
 *
 * @param controlFromBaseline the control side is the previous version's figures from an earlier look (the bake after
 *                            the promotion, when no user is left on the control)
 */
public record GateContext(Stage stage, Thresholds thresholds, Evidence evidence, boolean controlFromBaseline) {

    public GateContext(Stage stage, Thresholds thresholds, Evidence evidence) {
        this(stage, thresholds, evidence, false);
    }

    /**
     * Live comparisons need figures for both variants: no user is on the canary at weight 0 (shadow), none on the
     * control at weight 1, unless the control's figures come from the baseline.
     */
    public boolean liveTrafficOnBothVariants() {
        return controlFromBaseline || !stage.isShadow() && !stage.isFull();
    }
}
