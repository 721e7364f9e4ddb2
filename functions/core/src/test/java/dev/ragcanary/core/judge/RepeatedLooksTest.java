package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A/A experiments judged after every one of many cumulative looks, with the limit set to the truth (the hardest case
 * for a false failure). With the error budget spent over the planned looks, the share of experiments that ever fail
 * stays under (1 - confidence) / 2.
 */
class RepeatedLooksTest {
    private static final int LOOKS = 10;
    private static final double CONFIDENCE = 0.98;
    private static final double ONE_SIDED_ALPHA = (1 - CONFIDENCE) / 2;

    @Test
    void errorRateRatioKeepsItsFalseFailRateUnderAlphaAcrossLooks() {
        double spent = falseFailRate(21L, 1_000, new LookPlan(CONFIDENCE, LOOKS),
                (state, p) -> ErrorRateJudge.ratio(state.canaryErrors, state.canaryRequests, state.controlErrors,
                        state.controlRequests, 0.001, 1.0, 2.0, p).call());
        assertThat(spent).isLessThanOrEqualTo(ONE_SIDED_ALPHA);
    }

    @Test
    void p95RatioKeepsItsFalseFailRateUnderAlphaAcrossLooks() {
        double spent = falseFailRate(22L, 1_000, new LookPlan(CONFIDENCE, LOOKS),
                (state, p) -> LatencyJudge.p95Ratio(state.sortedCanary(), state.sortedControl(), 1.0, p).call());
        assertThat(spent).isLessThanOrEqualTo(ONE_SIDED_ALPHA);
    }

    @Test
    void medianShiftKeepsItsFalseFailRateUnderAlphaAcrossLooks() {
        double spent = falseFailRate(23L, 300, new LookPlan(CONFIDENCE, LOOKS),
                (state, p) -> LatencyJudge.medianShift(state.sortedCanary(), state.sortedControl(), 1.0, p).call());
        assertThat(spent).isLessThanOrEqualTo(ONE_SIDED_ALPHA);
    }

    /** Share of A/A experiments in which any of the looks failed. */
    private static double falseFailRate(long seed, int experiments, LookPlan plan,
                                        BiFunction<State, LookPlan, Call> judge) {
        int failed = 0;
        for (int e = 0; e < experiments; e++) {
            State state = new State(new SplittableRandom(seed * 1_000_003L + e));
            for (int look = 0; look < LOOKS; look++) {
                state.serve(60, 300);
                if (judge.apply(state, plan) == Call.FAIL) {
                    failed++;
                    break;
                }
            }
        }
        return (double) failed / experiments;
    }

    /** Cumulative traffic of one A/A experiment: same latency distribution and error rate on both variants. */
    private static final class State {
        private final SplittableRandom rng;
        private double[] canary = new double[0];
        private double[] control = new double[0];
        long canaryRequests;
        long canaryErrors;
        long controlRequests;
        long controlErrors;

        State(SplittableRandom rng) {
            this.rng = rng;
        }

        void serve(int canaryN, int controlN) {
            canary = append(canary, canaryN);
            control = append(control, controlN);
            canaryErrors += errors(canaryN * 5);
            controlErrors += errors(controlN * 5);
            canaryRequests += canaryN * 5L;
            controlRequests += controlN * 5L;
        }

        double[] sortedCanary() {
            double[] s = canary.clone();
            Arrays.sort(s);
            return s;
        }

        double[] sortedControl() {
            double[] s = control.clone();
            Arrays.sort(s);
            return s;
        }

        private double[] append(double[] values, int n) {
            double[] out = Arrays.copyOf(values, values.length + n);
            for (int i = values.length; i < out.length; i++) {
                out[i] = 400 * Math.exp(0.5 * rng.nextGaussian());
            }
            return out;
        }

        private long errors(int requests) {
            long n = 0;
            for (int i = 0; i < requests; i++) {
                if (rng.nextDouble() < 0.02) {
                    n++;
                }
            }
            return n;
        }
    }
}
