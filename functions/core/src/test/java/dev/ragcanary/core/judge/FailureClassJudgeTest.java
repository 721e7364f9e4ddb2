package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FailureClassJudgeTest {
    private static final Map<String, Long> CONTROL = Map.of("5xx:UpstreamTimeout", 60L);

    @Test
    void failsOnceANewClassReachesTheCountWithTheControlAtLeastAsBusy() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:UpstreamTimeout", 4L, "5xx:RerankerOOM", 3L), CONTROL,
                6_400, 60_000, 3, 1_000);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.estimate()).isEqualTo(1.0);
        assertThat(f.note()).isEqualTo("new: 5xx:RerankerOOM x3");
    }

    @Test
    void passesWhenTheCanaryServedEnoughWithNoNewClass() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:UpstreamTimeout", 4L), CONTROL, 6_400, 60_000, 3, 1_000);
        assertThat(f.call()).isEqualTo(Call.PASS);
    }

    @Test
    void aNewClassBelowTheCountWaits() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:RerankerOOM", 2L), CONTROL, 6_400, 60_000, 3, 1_000);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.note()).contains("5xx:RerankerOOM x2").contains("fails at 3 occurrences");
    }

    @Test
    void aNewClassWaitsWhileTheControlHasServedFewerRequests() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:RerankerOOM", 5L), CONTROL, 60_000, 50_000, 3, 1_000);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.note()).contains("fewer requests than the canary");
    }

    @Test
    void noNewClassOnTooFewRequestsWaits() {
        Finding f = FailureClassJudge.newClasses(Map.of(), CONTROL, 300, 60_000, 3, 1_000);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
    }
}
