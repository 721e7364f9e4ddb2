package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheJudgeTest {
    private static final LookPlan FOUR_LOOKS = new LookPlan(0.98, 4);

    @Test
    void passesWhenTheDropIntervalLiesBelowTheLimit() {
        Finding f = CacheJudge.hitRatioDrop(6_200, 10_000, 63_000, 100_000, 5.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.PASS);
        assertThat(f.estimate()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(f.interval().high()).isLessThan(5.0);
    }

    @Test
    void failsWhenTheDropIntervalLiesAboveTheLimit() {
        Finding f = CacheJudge.hitRatioDrop(5_100, 10_000, 60_000, 100_000, 5.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.interval().low()).isGreaterThan(5.0);
    }

    @Test
    void isUndecidedWhileFewLookupsLeaveTheDropUnclear() {
        Finding f = CacheJudge.hitRatioDrop(1_100, 2_000, 12_000, 20_000, 5.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.estimate()).isCloseTo(5.0, org.assertj.core.data.Offset.offset(1e-9));
    }
}
