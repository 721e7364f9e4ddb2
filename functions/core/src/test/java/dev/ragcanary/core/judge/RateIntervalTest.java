package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateIntervalTest {
    private static final double ALPHA = new LookPlan(0.98, 4).alpha(2);

    @Test
    void exactIntervalCoversTheTrueRateAtLeastNominallyForSmallSamples() {
        for (int n = 1; n <= 40; n++) {
            Interval[] byCount = new Interval[n + 1];
            for (int x = 0; x <= n; x++) {
                byCount[x] = RateInterval.exact(x, n, ALPHA, 0.98);
            }
            for (int step = 1; step < 2_000; step++) {
                double p = step / 2_000.0;
                double covered = 0;
                double pmf = Math.pow(1 - p, n);
                for (int x = 0; x <= n; x++) {
                    if (byCount[x].low() <= p && p <= byCount[x].high()) {
                        covered += pmf;
                    }
                    pmf *= (n - x) / (x + 1.0) * p / (1 - p);
                }
                assertThat(covered).as("n %d, p %.4f", n, p).isGreaterThanOrEqualTo(1 - ALPHA - 1e-12);
            }
        }
    }

    @Test
    void exactBoundsLeaveHalfTheAlphaInEachTail() {
        Interval i = RateInterval.exact(1, 30, ALPHA, 0.98);
        assertThat(Math.pow(1 - i.high(), 30) + 30 * i.high() * Math.pow(1 - i.high(), 29)).isCloseTo(ALPHA / 2,
                org.assertj.core.api.Assertions.within(1e-9));
        assertThat(1 - Math.pow(1 - i.low(), 30)).isCloseTo(ALPHA / 2, org.assertj.core.api.Assertions.within(1e-9));
    }
}
