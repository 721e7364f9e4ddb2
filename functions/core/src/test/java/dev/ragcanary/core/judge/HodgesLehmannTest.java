package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HodgesLehmannTest {

    @Test
    void kthDifferenceMatchesTheSortedPairwiseDifferences() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int round = 0; round < 20; round++) {
            double[] x = sortedUniform(rng, 1 + rng.nextInt(30));
            double[] y = sortedUniform(rng, 1 + rng.nextInt(30));
            double[] pairs = sortedPairwiseDifferences(x, y);
            for (int k = 1; k <= pairs.length; k += Math.max(1, pairs.length / 7)) {
                assertThat(HodgesLehmann.kthDifference(x, y, k)).isEqualTo(pairs[k - 1]);
            }
        }
    }

    @Test
    void kthDifferenceIsExactlyOneOfThePairwiseDifferencesWithTiedLatencies() {
        for (long seed = 1; seed <= 8; seed++) {
            SplittableRandom rng = new SplittableRandom(seed);
            double[] x = tiedLogLatencies(rng, 1 + rng.nextInt(60));
            double[] y = tiedLogLatencies(rng, 1 + rng.nextInt(60));
            double[] pairs = sortedPairwiseDifferences(x, y);
            for (int k = 1; k <= pairs.length; k++) {
                assertThat(HodgesLehmann.kthDifference(x, y, k)).as("seed %d, k %d", seed, k).isEqualTo(pairs[k - 1]);
            }
        }
    }

    /** The reference: every x_i - y_j, sorted (O(n·m), for small samples). */
    private static double[] sortedPairwiseDifferences(double[] x, double[] y) {
        double[] pairs = new double[x.length * y.length];
        int p = 0;
        for (double xi : x) {
            for (double yj : y) {
                pairs[p++] = xi - yj;
            }
        }
        Arrays.sort(pairs);
        return pairs;
    }

    @Test
    void recoversAKnownShift() {
        double[] y = Samples.sortedLogNormal(12, 1_000, 1, 0.3);
        double[] x = Arrays.stream(Samples.sortedLogNormal(13, 1_000, 1, 0.3)).map(v -> v + 0.5).toArray();
        HodgesLehmann.Shift f = HodgesLehmann.shift(x, y, 2.33, 0.98);
        assertThat(f.estimate()).isCloseTo(0.5, within(0.05));
        assertThat(f.interval().low()).isLessThan(0.5);
        assertThat(f.interval().high()).isGreaterThan(0.5);
    }

    /** Logs of integer milliseconds from a narrow range, so most pairwise differences tie (many at exactly 0). */
    private static double[] tiedLogLatencies(SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.log(95 + rng.nextInt(10));
        }
        Arrays.sort(v);
        return v;
    }

    private static double[] sortedUniform(SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextDouble() * 10;
        }
        Arrays.sort(v);
        return v;
    }
}
