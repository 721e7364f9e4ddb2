package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorRateJudgeTest {
    private static final LookPlan FOUR_LOOKS = new LookPlan(0.98, 4);
    private static final double FLOOR = 0.001;
    private static final double MARGIN = 0.002;

    @Test
    void oneErrorInThirtyRequestsAtTheControlsRateIsNotCritical() {
        Finding f = ErrorRateJudge.critical(1, 30, 600, 600_000, FLOOR, 0.0, 2.0, FOUR_LOOKS);
        assertThat(f.call()).as("%s", f.interval()).isNotEqualTo(Call.FAIL);
        assertThat(f.interval().low()).isLessThan(1.0);
    }

    @Test
    void ratioPassesOnceTheIntervalLiesBelowTheCriticalRatio() {
        Finding f = ErrorRateJudge.ratio(50, 5_000, 5_000, 500_000, FLOOR, 0.0, 1.2, 2.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.PASS);
        assertThat(f.estimate()).isEqualTo(1.0);
        assertThat(f.interval().high()).isLessThan(2.0);
    }

    @Test
    void ratioFailsWhenTheIntervalLiesAboveTheLimit() {
        Finding f = ErrorRateJudge.ratio(400, 20_000, 20_000, 2_000_000, FLOOR, 0.0, 1.2, 2.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.estimate()).isEqualTo(2.0);
        assertThat(f.interval().low()).isGreaterThan(1.2);
    }

    @Test
    void ratioIsUndecidedWhileTooFewErrorsBoundIt() {
        Finding f = ErrorRateJudge.ratio(10, 1_000, 1_000, 100_000, FLOOR, 0.0, 1.2, 2.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.interval().low()).isLessThan(1.2);
        assertThat(f.interval().high()).isGreaterThan(2.0);
    }

    @Test
    void ratesBelowTheFloorCountAsTheFloorInTheEstimate() {
        Finding f = ErrorRateJudge.ratio(0, 20_000, 1, 2_000_000, FLOOR, MARGIN, 1.2, 2.0, FOUR_LOOKS);
        assertThat(f.estimate()).isEqualTo(1.0);
        assertThat(f.interval().low()).isEqualTo(1.0);
        assertThat(f.call()).isEqualTo(Call.PASS);
    }

    /** Issue 16, defect 5: a rare error rate decides against its absolute margin. */
    @Test
    void aRareErrorRateAtTheControlsPassesWithinTheAbsoluteMargin() {
        Finding f = ErrorRateJudge.ratio(20, 30_000, 990, 990_000, 0.0, MARGIN, 1.2, 2.0, FOUR_LOOKS);
        assertThat(f.call()).as("%s %s", f.interval(), f.note()).isEqualTo(Call.PASS);
        assertThat(f.note()).contains("control rate + 0.2 points (absolute margin)");
    }

    /**
     * 0.13 % against 0.1 % is confidently above 1.2 ×: beyond the limit, so it fails; the margin only lets a canary near
     * the control's rate pass, it never moves the fail line (it used to: this canary was not failed).
     */
    @Test
    void aRareErrorRateConfidentlyAboveTheRatioFailsWhateverTheMargin() {
        Finding f = ErrorRateJudge.ratio(13_000, 10_000_000, 50_000, 50_000_000, FLOOR, MARGIN, 1.2, 2.0, FOUR_LOOKS);
        assertThat(f.interval().low()).isGreaterThan(1.2);
        assertThat(f.call()).as("%s %s", f.interval(), f.note()).isEqualTo(Call.FAIL);
    }

    /** 1.5 × the control's errors fails at 1 % and at 0.5 % alike, the margin notwithstanding. */
    @Test
    void oneAndAHalfTimesTheControlsErrorsFailsAtAnyRate() {
        Finding common = ErrorRateJudge.ratio(1_500, 100_000, 99_000, 9_900_000, FLOOR, MARGIN, 1.2, 2.0, FOUR_LOOKS);
        assertThat(common.call()).as("%s %s", common.interval(), common.note()).isEqualTo(Call.FAIL);
        Finding lower = ErrorRateJudge.ratio(1_500, 200_000, 49_500, 9_900_000, FLOOR, MARGIN, 1.2, 2.0, FOUR_LOOKS);
        assertThat(lower.call()).as("%s %s", lower.interval(), lower.note()).isEqualTo(Call.FAIL);
    }

    @Test
    void aRareErrorRateFailsTheCriticalRuleOnlyWhenConfidentlyAboveTwice() {
        Finding beyond = ErrorRateJudge.critical(120, 20_000, 990, 990_000, FLOOR, MARGIN, 2.0, FOUR_LOOKS);
        assertThat(beyond.call()).as("%s", beyond.interval()).isEqualTo(Call.FAIL);
        Finding atTwice = ErrorRateJudge.critical(40, 20_000, 990, 990_000, FLOOR, MARGIN, 2.0, FOUR_LOOKS);
        assertThat(atTwice.call()).isNotEqualTo(Call.FAIL);
    }

    @Test
    void criticalFailsOnFewRequestsWhenErrorsAreFarAboveTheControl() {
        Finding f = ErrorRateJudge.critical(30, 300, 1_000, 100_000, FLOOR, 0.0, 2.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.estimate()).isEqualTo(10.0);
        assertThat(f.interval().low()).isGreaterThan(2.0);
    }

    @Test
    void criticalPassesWhenTheIntervalLiesBelowTheCriticalRatio() {
        Finding f = ErrorRateJudge.critical(400, 40_000, 40_000, 4_000_000, FLOOR, 0.0, 2.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.PASS);
    }

    @Test
    void criticalIsUndecidedOnAHandfulOfRequests() {
        Finding f = ErrorRateJudge.critical(1, 100, 1_000, 100_000, FLOOR, 0.0, 2.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
    }
}
