package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LookPlanTest {

    @Test
    void aStageWithWeightLooksEveryIntervalOfEveryBake() {
        assertThat(LookPlan.plannedLooks(0.01, 3, 1_800, 300)).isEqualTo(24);
        assertThat(LookPlan.plannedLooks(0.5, 3, 1_801, 300)).isEqualTo(28);
    }

    @Test
    void aShadowStageTakesNoLiveLooksSoItLooksOnceABake() {
        assertThat(LookPlan.looksPerBake(0.0, 1_800, 300)).isEqualTo(1);
        assertThat(LookPlan.plannedLooks(0.0, 3, 1_800, 300)).isEqualTo(4);
    }

    @Test
    void aBakeShorterThanTheIntervalStillHasItsLookAtTheEnd() {
        assertThat(LookPlan.looksPerBake(0.05, 120, 300)).isEqualTo(1);
    }
}
