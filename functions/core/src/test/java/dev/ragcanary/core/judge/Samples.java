package dev.ragcanary.core.judge;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded log-normal latency samples for judge tests. */
final class Samples {
    private Samples() {
    }

    static double[] sortedLogNormal(long seed, int n, double medianMs, double sigma) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = medianMs * Math.exp(sigma * rng.nextGaussian());
        }
        Arrays.sort(out);
        return out;
    }
}
