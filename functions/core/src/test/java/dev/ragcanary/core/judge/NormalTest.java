package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NormalTest {

    @Test
    void theNormalCdfInvertsItsQuantile() {
        for (double p : new double[] {0.001, 0.025, 0.5, 0.9, 0.99}) {
            assertThat(Normal.cdf(Normal.quantile(p))).isCloseTo(p, within(2e-7));
        }
    }
}
