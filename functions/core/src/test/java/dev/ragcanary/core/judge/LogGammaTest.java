package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LogGammaTest {

    @Test
    void matchesFactorialsAndTheHalfIntegerValue() {
        assertThat(LogGamma.of(1)).isCloseTo(0.0, within(1e-12));
        assertThat(LogGamma.of(11)).isCloseTo(Math.log(3_628_800), within(1e-10));
        assertThat(LogGamma.of(0.5)).isCloseTo(0.5 * Math.log(Math.PI), within(1e-12));
        assertThat(LogGamma.of(0.25)).isCloseTo(Math.log(3.625609908221908), within(1e-12));
    }
}
