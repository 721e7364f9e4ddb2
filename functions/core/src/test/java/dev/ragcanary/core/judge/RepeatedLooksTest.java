package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Continuous looks: A/A experiments judged after every one of 48 cumulative looks (a stage's bake and three extensions
 * of 12 five-minute looks each), with the limit set to the truth, the hardest case for a false failure. The
 * anytime-valid rules spend their budget once and the rank rule spreads it over the 48 planned looks; either way the
 * share of experiments that ever fail stays under (1 - confidence) / 2.
 */
class RepeatedLooksTest {
    private static final int LOOKS = 48;
    private static final double CONFIDENCE = 0.98;
    private static final double ONE_SIDED_ALPHA = (1 - CONFIDENCE) / 2;

    @Test
    void errorRateRatioKeepsItsFalseFailRateUnderAlphaAcrossLooks() {
        double spent = falseFailRate(21L, 1_000, new LookPlan(CONFIDENCE, LOOKS),
                (state, p) -> ErrorRateJudge.ratio(state.canaryErrors, state.canaryRequests, state.controlErrors,
                        state.controlRequests, 0.001, 0.0, 1.0, 2.0, p).call());
        assertThat(spent).isLessThanOrEqualTo(ONE_SIDED_ALPHA);
    }

    @Test
    void p95ExceedanceKeepsItsFalseFailRateUnderAlphaAcrossLooks() {
        double spent = falseFailRate(22L, 1_000, new LookPlan(CONFIDENCE, LOOKS),
                (state, p) -> LatencyJudge.p95Exceedance(state.sortedCanary(), state.sortedControl(), 1.0, 0.0, p).call());
        assertThat(spent).isLessThanOrEqualTo(ONE_SIDED_ALPHA);
    }

    @Test
    void medianShiftKeepsItsFalseFailRateUnderAlphaAcrossLooks() {
        double spent = falseFailRate(23L, 200, new LookPlan(CONFIDENCE, LOOKS),
                (state, p) -> LatencyJudge.medianShift(state.sortedCanary(), state.sortedControl(), 1.0, p).call());
        assertThat(spent).isLessThanOrEqualTo(ONE_SIDED_ALPHA);
    }

    /** A class both versions show equally, rare enough that the first occurrences often land on the canary alone. */
    @Test
    void newFailureClassKeepsItsFalseFailRateUnderAlphaAcrossLooksAtFiftyPercent() {
        LookPlan plan = new LookPlan(CONFIDENCE, LOOKS);
        int failed = 0;
        int experiments = 20_000;
        SplittableRandom rng = new SplittableRandom(24);
        for (int e = 0; e < experiments; e++) {
            long canary = 0;
            long control = 0;
            for (int look = 0; look < LOOKS; look++) {
                for (int occurrence = 0; occurrence < 2; occurrence++) {
                    if (rng.nextBoolean()) {
                        canary++;
                    } else {
                        control++;
                    }
                }
                long requests = 1_000L * (look + 1);
                if (FailureClassJudge.newClasses(java.util.Map.of("5xx:Rare", canary), control == 0 ? java.util.Map.of()
                        : java.util.Map.of("5xx:Rare", control), requests, requests, 3, 1_000, plan).call() == Call.FAIL) {
                    failed++;
                    break;
                }
            }
        }
        assertThat((double) failed / experiments).isLessThanOrEqualTo(ONE_SIDED_ALPHA);
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
