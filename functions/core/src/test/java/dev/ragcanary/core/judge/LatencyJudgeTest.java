package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyJudgeTest {
    private static final LookPlan FOUR_LOOKS = new LookPlan(0.98, 4);
    private static final double[] CONTROL = Samples.sortedLogNormal(1, 10_000, 400, 0.5);

    @Test
    void aTwoHundredSampleCanaryCanPassTheP95Rule() {
        Finding f = LatencyJudge.p95Ratio(Samples.sortedLogNormal(21, 200, 400, 0.05), Samples.sortedLogNormal(22, 20_000, 400, 0.05),
                1.25, FOUR_LOOKS);
        assertThat(f.interval().high()).isFinite();
        assertThat(f.call()).isEqualTo(Call.PASS);
    }

    @Test
    void tiedBucketedAaDataNeverFailsTheMedianShiftAtToleranceOne() {
        for (long seed = 1; seed <= 20; seed++) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
            Finding f = LatencyJudge.medianShift(bucketedMs(rng, 3_000), bucketedMs(rng, 30_000), 1.0, FOUR_LOOKS);
            assertThat(f.call()).as("seed %d: %s %s", seed, f.interval(), f.note()).isNotEqualTo(Call.FAIL);
        }
    }

    /** Latencies reported in 10 ms buckets around a steady 400 ms: the same distribution for both, mostly tied. */
    private static double[] bucketedMs(java.util.SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 10 * Math.round(40 * Math.exp(0.01 * rng.nextGaussian()));
        }
        java.util.Arrays.sort(v);
        return v;
    }

    @Test
    void p95RatioPassesWhenTheIntervalLiesBelowTheLimit() {
        Finding f = LatencyJudge.p95Ratio(Samples.sortedLogNormal(2, 3_000, 400, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.PASS);
        assertThat(f.interval().low()).isLessThan(f.estimate());
        assertThat(f.interval().high()).isGreaterThan(f.estimate()).isLessThan(1.25);
        assertThat(f.interval().confidence()).isEqualTo(0.98);
    }

    @Test
    void p95RatioFailsWhenTheIntervalLiesAboveTheLimit() {
        Finding f = LatencyJudge.p95Ratio(Samples.sortedLogNormal(3, 3_000, 600, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.estimate()).isBetween(1.4, 1.6);
        assertThat(f.interval().low()).isGreaterThan(1.25);
    }

    @Test
    void p95RatioIsUndecidedWhileTheIntervalStraddlesTheLimit() {
        Finding f = LatencyJudge.p95Ratio(Samples.sortedLogNormal(4, 3_000, 500, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.interval().low()).isLessThan(1.25);
        assertThat(f.interval().high()).isGreaterThan(1.25);
    }

    @Test
    void aSignificantShiftClearlyBelowTheTolerancePasses() {
        Finding f = LatencyJudge.medianShift(Samples.sortedLogNormal(9, 2_000, 460, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.interval().low()).isGreaterThan(1.0);
        assertThat(f.call()).isEqualTo(Call.PASS);
    }

    @Test
    void tooFewSamplesCannotBoundTheP95FromAbove() {
        Finding f = LatencyJudge.p95Ratio(Samples.sortedLogNormal(5, 60, 400, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.interval().high()).isInfinite();
        assertThat(f.note()).contains("too few samples");
    }

    @Test
    void moreLooksWidenTheInterval() {
        double[] canary = Samples.sortedLogNormal(6, 3_000, 400, 0.5);
        Interval once = LatencyJudge.p95Ratio(canary, CONTROL, 1.25, new LookPlan(0.98, 1)).interval();
        Interval tenTimes = LatencyJudge.p95Ratio(canary, CONTROL, 1.25, new LookPlan(0.98, 10)).interval();
        assertThat(tenTimes.low()).isLessThan(once.low());
        assertThat(tenTimes.high()).isGreaterThan(once.high());
    }

    @Test
    void medianShiftPassesWhenTheIntervalLiesBelowTheTolerance() {
        Finding f = LatencyJudge.medianShift(Samples.sortedLogNormal(7, 2_000, 400, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.PASS);
        assertThat(f.estimate()).isBetween(0.95, 1.05);
        assertThat(f.interval().high()).isLessThan(1.25);
    }

    @Test
    void medianShiftFailsWhenSignificantAndAtLeastTheTolerance() {
        Finding f = LatencyJudge.medianShift(Samples.sortedLogNormal(8, 2_000, 560, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.estimate()).isBetween(1.33, 1.47);
        assertThat(f.interval().low()).isGreaterThan(1.0);
    }

    @Test
    void aSignificantShiftBelowTheToleranceIsUndecidedNotAFailure() {
        Finding f = LatencyJudge.medianShift(Samples.sortedLogNormal(9, 300, 470, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.interval().low()).isGreaterThan(1.0);
        assertThat(f.interval().high()).isGreaterThan(1.25);
        assertThat(f.estimate()).isLessThan(1.25);
        assertThat(f.note()).contains("less than the tolerance");
    }
}
