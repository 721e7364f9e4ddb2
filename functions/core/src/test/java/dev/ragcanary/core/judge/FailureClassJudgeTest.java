package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FailureClassJudgeTest {
    private static final Map<String, Long> CONTROL = Map.of("5xx:UpstreamTimeout", 60L);
    private static final LookPlan FOUR_LOOKS = new LookPlan(0.98, 4);

    @Test
    void atFiftyPercentARareClassSeenOnlyOnTheCanaryThreeTimesIsNoRollback() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:RerankerOOM", 3L), CONTROL, 50_000, 50_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.note()).contains("fails at 7 occurrences at this traffic split");
    }

    @Test
    void atFiftyPercentAClassOnlyOnTheCanaryFailsOnceItsShareIsImprobable() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:RerankerOOM", 7L), CONTROL, 50_000, 50_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
    }

    @Test
    void atOnePercentThreeCanaryOnlyOccurrencesStillFail() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:RerankerOOM", 3L), CONTROL, 1_000, 99_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
    }

    /** The exact conditional test: all a occurrences on the canary has probability w^a under the null. */
    @Test
    void occurrencesNeededIsTheSmallestCountWhoseProbabilityIsWithinTheOneSidedAlpha() {
        double alpha = FOUR_LOOKS.anytimeAlpha(1);
        for (long canary : new long[] {1_000, 5_000, 25_000, 50_000, 75_000}) {
            long control = 100_000 - canary;
            double share = canary / 100_000.0;
            long needed = FailureClassJudge.occurrencesNeeded(canary, control, 3, alpha);
            assertThat(Math.pow(share, needed)).isLessThanOrEqualTo(alpha);
            if (needed > 3) {
                assertThat(Math.pow(share, needed - 1)).isGreaterThan(alpha);
            }
        }
    }

    @Test
    void failsOnceANewClassReachesTheCountItsTrafficShareNeeds() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:UpstreamTimeout", 4L, "5xx:RerankerOOM", 3L), CONTROL,
                6_400, 60_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.estimate()).isEqualTo(1.0);
        assertThat(f.note()).isEqualTo("new: 5xx:RerankerOOM x3; 3 or more on the canary only is improbable at this traffic split");
    }

    @Test
    void passesWhenTheCanaryServedEnoughWithNoNewClass() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:UpstreamTimeout", 4L), CONTROL, 6_400, 60_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.PASS);
    }

    @Test
    void aNewClassBelowTheCountWaits() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:RerankerOOM", 2L), CONTROL, 6_400, 60_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.note()).contains("5xx:RerankerOOM x2").contains("fails at 3 occurrences");
    }

    @Test
    void aNewClassWaitsWhileTheCanaryCarriesMostOfTheTraffic() {
        Finding f = FailureClassJudge.newClasses(Map.of("5xx:RerankerOOM", 5L), CONTROL, 60_000, 50_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.note()).contains("fails at 8 occurrences at this traffic split");
    }

    @Test
    void noNewClassOnTooFewRequestsWaits() {
        Finding f = FailureClassJudge.newClasses(Map.of(), CONTROL, 300, 60_000, 3, 1_000, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
    }
}
