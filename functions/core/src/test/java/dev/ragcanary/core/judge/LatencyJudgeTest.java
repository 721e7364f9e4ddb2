package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyJudgeTest {
    private static final LookPlan FOUR_LOOKS = new LookPlan(0.98, 4);
    private static final double[] CONTROL = Samples.sortedLogNormal(1, 10_000, 400, 0.5);

    @Test
    void aTwoHundredSampleCanaryCanPassTheP95Rule() {
        Finding f = LatencyJudge.p95Exceedance(Samples.sortedLogNormal(21, 200, 400, 0.05), Samples.sortedLogNormal(22, 20_000, 400, 0.05),
                1.25, 0.01, FOUR_LOOKS);
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
    void p95ExceedancePassesWhenTheShareOfSlowRequestsIsConfidentlyBelowTheLimit() {
        Finding f = LatencyJudge.p95Exceedance(Samples.sortedLogNormal(2, 3_000, 400, 0.5), CONTROL, 1.25, 0.01, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.PASS);
        assertThat(f.estimate()).isBetween(0.01, 0.03);
        assertThat(f.interval().high()).isLessThan(0.06);
        assertThat(f.interval().confidence()).isEqualTo(0.98);
    }

    @Test
    void p95ExceedanceFailsWhenTheShareIsConfidentlyAboveTheLimit() {
        Finding f = LatencyJudge.p95Exceedance(Samples.sortedLogNormal(3, 3_000, 600, 0.5), CONTROL, 1.25, 0.01, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.FAIL);
        assertThat(f.interval().low()).isGreaterThan(0.06);
    }

    /** Issue 16, defect 5: 95 % cache hits put the p95 between the modes; the share of slow requests still decides. */
    @Test
    void p95ExceedanceDecidesOnBimodalLatencyWhoseP95FallsBetweenTheModes() {
        double[] control = bimodal(new java.util.SplittableRandom(30), 10_000, 0.95);
        double[] canary = bimodal(new java.util.SplittableRandom(31), 9_700, 0.95);
        assertThat(LatencyJudge.p95Exceedance(canary, control, 1.25, 0.02, FOUR_LOOKS).call()).isEqualTo(Call.PASS);
        double[] fewerHits = bimodal(new java.util.SplittableRandom(32), 9_700, 0.85);
        assertThat(LatencyJudge.p95Exceedance(fewerHits, control, 1.25, 0.02, FOUR_LOOKS).call()).isEqualTo(Call.FAIL);
    }

    /**
     * The local latency-regression scenario: canary p95 1.39 × the control's, 6.6 % of 20,000 canary requests slower
     * than 1.25 × the control's p95. The share lies confidently above 5 % (the limit) but not above 5 % + the 2-point
     * margin, where the rule used to put its fail line; the margin only lets a canary on the limit pass.
     */
    @Test
    void aP95ThirtyNinePercentAboveTheControlsFailsEvenWithinTheMargin() {
        double[] control = Samples.sortedLogNormal(50, 20_000, 400, 0.5);
        double[] canary = Samples.sortedLogNormal(51, 20_000, 365, 0.754);
        double p95 = dev.ragcanary.core.stats.Percentiles.ofSorted(canary, 0.95);
        assertThat(p95 / dev.ragcanary.core.stats.Percentiles.ofSorted(control, 0.95)).isBetween(1.35, 1.42);
        Finding f = LatencyJudge.p95Exceedance(canary, control, 1.25, 0.02, FOUR_LOOKS);
        assertThat(f.estimate()).as("inside the margin").isBetween(0.055, 0.07);
        assertThat(f.call()).as("%s %s", f.interval(), f.note()).isEqualTo(Call.FAIL);
        assertThat(f.interval().low()).isGreaterThan(0.05);
    }

    /** A canary whose share sits at 5 %: the margin passes it, without a margin nothing decides it. */
    @Test
    void aCanaryOnTheLimitPassesWithinTheMarginAndIsUndecidableWithoutOne() {
        double[] control = Samples.sortedLogNormal(40, 10_000, 400, 0.5);
        double threshold = 1.25 * dev.ragcanary.core.stats.Percentiles.ofSorted(control, 0.95);
        double[] canary = twoValues(40_000, 0.95, threshold);
        assertThat(LatencyJudge.p95Exceedance(canary, control, 1.25, 0.02, FOUR_LOOKS).call()).isEqualTo(Call.PASS);
        Finding f = LatencyJudge.p95Exceedance(canary, control, 1.25, 0.0, FOUR_LOOKS);
        assertThat(f.call()).isEqualTo(Call.UNDECIDED);
        assertThat(f.note()).contains(Finding.UNDECIDABLE);
        Finding shortOfTraffic = LatencyJudge.p95Exceedance(twoValues(300, 0.95, threshold), control, 1.25, 0.0, FOUR_LOOKS);
        assertThat(shortOfTraffic.call()).isEqualTo(Call.UNDECIDED);
        assertThat(shortOfTraffic.note()).contains("not enough traffic yet");
    }

    /** {@code below} of n values at half the threshold, the rest at twice it. */
    private static double[] twoValues(int n, double below, double threshold) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i < n * below ? threshold / 2 : threshold * 2;
        }
        return v;
    }

    private static double[] bimodal(java.util.SplittableRandom rng, int n, double hits) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextDouble() < hits ? 20 * Math.exp(0.3 * rng.nextGaussian()) : 600 * Math.exp(0.5 * rng.nextGaussian());
        }
        java.util.Arrays.sort(v);
        return v;
    }

    @Test
    void aSignificantShiftClearlyBelowTheTolerancePasses() {
        Finding f = LatencyJudge.medianShift(Samples.sortedLogNormal(9, 2_000, 460, 0.5), CONTROL, 1.25, FOUR_LOOKS);
        assertThat(f.interval().low()).isGreaterThan(1.0);
        assertThat(f.call()).isEqualTo(Call.PASS);
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
