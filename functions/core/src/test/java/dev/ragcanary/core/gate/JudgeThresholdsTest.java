package dev.ragcanary.core.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.rollout.Thresholds;
import org.junit.jupiter.api.Test;

class JudgeThresholdsTest {

    @Test
    void judgeSettingsHaveDefaultsAndCanBeOverridden() {
        assertThat(Thresholds.DEFAULTS.judgeConfidence()).isEqualTo(0.98);
        assertThat(Thresholds.DEFAULTS.medianShiftTolerance()).isEqualTo(1.25);
        assertThat(Thresholds.DEFAULTS.errorRateCriticalRatio()).isEqualTo(2.0);
        assertThat(Thresholds.DEFAULTS.newFailureClassMinCount()).isEqualTo(3);
        Thresholds t = EvidenceParser.parseThresholds("{\"judgeConfidence\": 0.99, \"medianShiftTolerance\": 1.1,"
                + " \"errorRateCriticalRatio\": 3, \"newFailureClassMinCount\": 1}", Thresholds.DEFAULTS);
        assertThat(t.judgeConfidence()).isEqualTo(0.99);
        assertThat(t.medianShiftTolerance()).isEqualTo(1.1);
        assertThat(t.errorRateCriticalRatio()).isEqualTo(3.0);
        assertThat(t.newFailureClassMinCount()).isEqualTo(1);
        assertThat(t.latencyP95RatioMax()).isEqualTo(1.25);
    }

    @Test
    void badJudgeSettingsAreAllReported() {
        assertThatThrownBy(() -> EvidenceParser.parseThresholds("{\"judgeConfidence\": 1.5, \"newFailureClassMinCount\": 0}",
                Thresholds.DEFAULTS))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.judgeConfidence")
                .hasMessageContaining("$.newFailureClassMinCount");
    }
}
