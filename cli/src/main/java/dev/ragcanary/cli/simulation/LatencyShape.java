package dev.ragcanary.cli.simulation;

import java.util.SplittableRandom;

/** Warm-latency distributions for the decision simulation, in milliseconds, scaled by a factor (the truth). */
public enum LatencyShape {
    /** median 400 ms, sigma 0.5. */
    LOG_NORMAL("log-normal") {
        @Override
        double draw(SplittableRandom rng, double factor) {
            return 400 * factor * Math.exp(0.5 * rng.nextGaussian());
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

    private static double bimodal(SplittableRandom rng, double factor, double hitRate) {
        return rng.nextDouble() < hitRate ? 20 * factor * Math.exp(0.3 * rng.nextGaussian())
                : 600 * factor * Math.exp(0.5 * rng.nextGaussian());
    }
}
