package dev.ragcanary.cli.simulation;

import dev.ragcanary.core.judge.Normal;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Warm-latency distributions for the decision simulation, in milliseconds, scaled by a factor (the truth). */
public enum LatencyShape {
    /** median 400 ms, sigma 0.5. */
    LOG_NORMAL("log-normal") {
        @Override
        double draw(SplittableRandom rng, double factor) {
            return 400 * factor * Math.exp(0.5 * rng.nextGaussian());
        }

        /** Sorted without sorting: sorted uniforms from exponential spacings, through the normal quantile. */
        @Override
        void drawSorted(SplittableRandom rng, double factor, double[] out, int from, int n) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total -= Math.log(1 - rng.nextDouble());
                out[from + i] = total;
            }
            total -= Math.log(1 - rng.nextDouble());
            for (int i = 0; i < n; i++) {
                double u = Math.min(Math.max(out[from + i] / total, Double.MIN_NORMAL), Math.nextDown(1.0));
                out[from + i] = 400 * factor * Math.exp(0.5 * Normal.quantile(u));
            }
        }
    },
    /** 63 % cache hits around 20 ms, misses around 600 ms: the p95 lies inside the miss mode. */
    BIMODAL_63("bimodal, 63% cache hits") {
        @Override
        double draw(SplittableRandom rng, double factor) {
            return bimodal(rng, factor, 0.63);
        }
    },
    /** 95 % cache hits: the p95 falls between the modes, so it jumps from sample to sample. */
    BIMODAL_95("bimodal, 95% cache hits") {
        @Override
        double draw(SplittableRandom rng, double factor) {
            return bimodal(rng, factor, 0.95);
        }
    },
    /** Pareto tail from 200 ms, alpha 1.5 (infinite variance). */
    PARETO_1_5("Pareto tail, alpha 1.5") {
        @Override
        double draw(SplittableRandom rng, double factor) {
            return 200 * factor * Math.pow(1 - rng.nextDouble(), -1 / 1.5);
        }
    },
    /** Pareto tail from 200 ms, alpha 1.2. */
    PARETO_1_2("Pareto tail, alpha 1.2") {
        @Override
        double draw(SplittableRandom rng, double factor) {
            return 200 * factor * Math.pow(1 - rng.nextDouble(), -1 / 1.2);
        }
    },
    /** A fast service logged in whole milliseconds: median 40 ms, sigma 0.5, so most values are tied. */
    INTEGER_MS("integer ms, median 40 ms") {
        @Override
        double draw(SplittableRandom rng, double factor) {
            return Math.max(1, Math.round(40 * factor * Math.exp(0.5 * rng.nextGaussian())));
        }
    };

    private final String label;

    LatencyShape(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    abstract double draw(SplittableRandom rng, double factor);

    /**
     * {@code n} draws, sorted ascending, into {@code out} from {@code from}: the simulation keeps every canary latency
     * sorted, and at stage fifty sorting them was most of the bench's time.
     */
    void drawSorted(SplittableRandom rng, double factor, double[] out, int from, int n) {
        for (int i = 0; i < n; i++) {
            out[from + i] = draw(rng, factor);
        }
        Arrays.sort(out, from, from + n);
    }

    private static double bimodal(SplittableRandom rng, double factor, double hitRate) {
        return rng.nextDouble() < hitRate ? 20 * factor * Math.exp(0.3 * rng.nextGaussian())
                : 600 * factor * Math.exp(0.5 * rng.nextGaussian());
    }
}
