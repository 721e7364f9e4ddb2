package dev.ragcanary.core.probe;

import static dev.ragcanary.core.probe.LambdaState.CHAOTIC;
import static dev.ragcanary.core.probe.LambdaState.CONVERGENT;
import static dev.ragcanary.core.probe.LambdaState.DIVERGENT;
import static dev.ragcanary.core.probe.LambdaState.RECURSIVE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every λ state at its boundaries, with the default tolerance 0.05 and divergence limit 0.60. */
class LambdaClassifierTest {
    private static final double TOL = 0.05;
    private static final double MAX = 0.60;

    private static LambdaState classify(String top1, double ds1, String top2, double ds2) {
        return LambdaClassifier.classify(SeedOutcome.of(top1, ds1), SeedOutcome.of(top2, ds2), TOL, MAX);
    }

    @ParameterizedTest(name = "{0}: {1}/{2} vs {3}/{4}")
    @CsvSource({
            "CONVERGENT, s, 0.30, s, 0.30",
            "CONVERGENT, s, 0.30, s, 0.35",   // difference exactly at the tolerance
            "RECURSIVE,  s, 0.30, s, 0.3501", // just over the tolerance
            "CONVERGENT, s, 0.55, s, 0.60",   // ΔS exactly at the divergence limit
            "DIVERGENT,  s, 0.58, s, 0.6001", // just over the limit
            "DIVERGENT,  s, 0.10, t, 0.10",   // top sections differ
            "DIVERGENT,  s, 0.10, s, 0.70",   // over the limit wins over a recursive difference
            "RECURSIVE,  s, 0.00, s, 0.60",   // both within the limit, far apart
    })
    void classifiesAtTheBoundaries(LambdaState expected, String top1, double ds1, String top2, double ds2) {
        assertThat(classify(top1, ds1, top2, ds2)).isEqualTo(expected);
        assertThat(classify(top2, ds2, top1, ds1)).as("order of seeds does not matter").isEqualTo(expected);
    }

    @Test
    void anyFailedSeedIsChaoticEvenWhenTheOtherWouldDiverge() {
        assertThat(LambdaClassifier.classify(SeedOutcome.failure(), SeedOutcome.of("s", 0.1), TOL, MAX)).isEqualTo(CHAOTIC);
        assertThat(LambdaClassifier.classify(SeedOutcome.of("s", 0.9), SeedOutcome.failure(), TOL, MAX)).isEqualTo(CHAOTIC);
    }

    @Test
    void nothingRetrievedIsDivergent() {
        assertThat(classify(null, 0.1, null, 0.1)).isEqualTo(DIVERGENT);
    }

    @Test
    void thresholdsComeFromTheCaller() {
        assertThat(LambdaClassifier.classify(SeedOutcome.of("s", 0.30), SeedOutcome.of("s", 0.38), 0.10, MAX)).isEqualTo(CONVERGENT);
        assertThat(LambdaClassifier.classify(SeedOutcome.of("s", 0.30), SeedOutcome.of("s", 0.30), TOL, 0.25)).isEqualTo(DIVERGENT);
    }

    @Test
    void flipsAreParaphrasesWhoseStateChanged() {
        Map<String, List<LambdaState>> control = Map.of(
                "q1", List.of(CONVERGENT, CONVERGENT, CONVERGENT),
                "q2", List.of(CONVERGENT, RECURSIVE, CONVERGENT));
        Map<String, List<LambdaState>> canary = Map.of(
                "q1", List.of(CONVERGENT, DIVERGENT, CHAOTIC),
                "q2", List.of(CONVERGENT, RECURSIVE, CONVERGENT));

        assertThat(LambdaClassifier.flips(control, canary)).containsExactly(
                new LambdaClassifier.Flip("q1", 1, CONVERGENT, DIVERGENT),
                new LambdaClassifier.Flip("q1", 2, CONVERGENT, CHAOTIC));
        assertThat(LambdaClassifier.flips(control, control)).isEmpty();
    }
}
