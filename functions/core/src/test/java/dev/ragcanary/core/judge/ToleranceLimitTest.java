package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ToleranceLimitTest {

    @Test
    void normalFactorMatchesPublishedOneSidedToleranceTables() {
        // NIST/SEMATECH e-Handbook 7.2.6.3 and Natrella's tables: p = 0.99 coverage, 95 % confidence
        assertThat(ToleranceLimit.normalFactor(10, 0.01, 0.95)).isCloseTo(3.981, within(0.002));
        assertThat(ToleranceLimit.normalFactor(20, 0.01, 0.95)).isCloseTo(3.295, within(0.002));
        assertThat(ToleranceLimit.normalFactor(50, 0.01, 0.95)).isCloseTo(2.863, within(0.002));
        // p = 0.90 coverage, 90 % confidence, n = 20
        assertThat(ToleranceLimit.normalFactor(20, 0.10, 0.90)).isCloseTo(1.764, within(0.002));
    }

    @Test
    void theLargestDrawBoundsTheOnePercentQuantileFrom299Draws() {
        assertThat(ToleranceLimit.orderStatisticRank(298, 0.01, 0.95)).isZero();
        assertThat(ToleranceLimit.orderStatisticRank(299, 0.01, 0.95)).isEqualTo(299);
        // 1 - (0.99)^299 = 0.9505: the maximum just makes it; more draws allow a lower rank
        assertThat(ToleranceLimit.orderStatisticRank(1000, 0.01, 0.95)).isBetween(980, 999);
    }

    @Test
    void normalNoiseTwentyRunsCoverTheTrueQuantileAtTheChosenConfidence() {
        Random random = new Random(7);
        double mean = 0.01;
        double sd = 0.02;
        double trueQuantile = mean + 2.3263479 * sd;
        int calibrations = 4000;
        int covered = 0;
        double falseRollbacks = 0;
        for (int c = 0; c < calibrations; c++) {
            double[] draws = new double[20];
            for (int i = 0; i < draws.length; i++) {
                draws[i] = mean + sd * random.nextGaussian();
            }
            ToleranceLimit.Bound bound = ToleranceLimit.upper(draws, 0.01, 0.95);
            assertThat(bound.method()).isEqualTo(ToleranceLimit.Method.NORMAL_TOLERANCE);
            if (bound.limit() >= trueQuantile) {
                covered++;
            }
            falseRollbacks += 1 - Normal.cdf((bound.limit() - mean) / sd);
        }
        // exact method: coverage is the confidence itself, up to simulation error (sd 0.0034 over 4,000)
        assertThat(covered / (double) calibrations).isCloseTo(0.95, within(0.012));
        // the rule's false-rollback rate averaged over calibrations stays under 1 %
        assertThat(falseRollbacks / calibrations).isLessThan(0.01);
    }

    @Test
    void uniformNoiseManyRunsUseTheDistributionFreeBound() {
        Random random = new Random(11);
        int calibrations = 1000;
        int covered = 0;
        for (int c = 0; c < calibrations; c++) {
            double[] draws = new double[600];
            for (int i = 0; i < draws.length; i++) {
                draws[i] = random.nextDouble();
            }
            ToleranceLimit.Bound bound = ToleranceLimit.upper(draws, 0.01, 0.95);
            assertThat(bound.method()).isEqualTo(ToleranceLimit.Method.ORDER_STATISTIC);
            if (bound.limit() >= 0.99) {
                covered++;
            }
        }
        // an order statistic covers with probability at least the confidence (discreteness makes it a little more)
        assertThat(covered / (double) calibrations).isBetween(0.94, 0.99);
    }

    @Test
    void noiseWithoutSpreadGivesItsOwnValue() {
        assertThat(ToleranceLimit.upper(new double[20], 0.01, 0.95).limit()).isZero();
    }

    @Test
    void oneDrawIsRefused() {
        assertThatThrownBy(() -> ToleranceLimit.upper(new double[1], 0.01, 0.95))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 or more draws");
    }
}
