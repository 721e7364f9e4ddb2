package dev.ragcanary.core.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScoringTest {

    @Test
    void deltaSIsZeroForTheSameDirectionWhateverTheLength() {
        assertThat(Scoring.deltaS(new float[]{1, 2, 3}, new float[]{2, 4, 6})).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void deltaSIsOneForOrthogonalAndTwoForOppositeVectors() {
        assertThat(Scoring.deltaS(new float[]{1, 0}, new float[]{0, 1})).isCloseTo(1.0, within(1e-9));
        assertThat(Scoring.deltaS(new float[]{1, 0}, new float[]{-1, 0})).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void deltaSAt60Degrees() {
        float[] q = {1, 0};
        float[] r = {0.5f, (float) Math.sqrt(3) / 2};
        assertThat(Scoring.deltaS(q, r)).isCloseTo(0.5, within(1e-6));
    }

    @Test
    void aZeroVectorScoresAsUnrelated() {
        assertThat(Scoring.deltaS(new float[]{1, 0}, new float[]{0, 0})).isEqualTo(1.0);
    }

    @Test
    void embeddingsOfDifferentDimensionAreRefused() {
        assertThatThrownBy(() -> Scoring.deltaS(new float[]{1, 0}, new float[]{1, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 vs 3");
    }

    @Test
    void sectionCoverageIsTheShareOfTargetsRetrieved() {
        assertThat(Scoring.sectionCoverage(List.of("a", "b"), List.of("b", "c", "b"))).isEqualTo(0.5);
        assertThat(Scoring.sectionCoverage(List.of("a", "b"), List.of("a", "b"))).isEqualTo(1.0);
        assertThat(Scoring.sectionCoverage(List.of("a"), List.of())).isEqualTo(0.0);
        assertThat(Scoring.sectionCoverage(List.of(), List.of("a"))).isEqualTo(0.0);
    }

    @Test
    void tokenOverlapCountsContentWordsIgnoringCaseAndStopWords() {
        // content words of the target: rollback, bumps, epoch -> two of three retrieved
        assertThat(Scoring.tokenOverlap("The rollback bumps the epoch.", "A ROLLBACK changes the Epoch"))
                .isCloseTo(2.0 / 3, within(1e-9));
        assertThat(Scoring.tokenOverlap("the of a", "anything")).isEqualTo(0.0);
    }

    @Test
    void coverageUsesSectionIdsWhenGivenElseTargetText() {
        Probe byIds = new Probe("q", "t", "q?", List.of("a", "b", "c"), List.of("s1"), "ignored words", null);
        Probe byText = new Probe("q", "t", "q?", List.of("a", "b", "c"), List.of(), "canary weight zero", null);

        assertThat(Scoring.coverage(byIds, List.of("s1"), "nothing alike")).isEqualTo(1.0);
        assertThat(Scoring.coverage(byText, List.of("s1"), "the canary weight goes to zero")).isEqualTo(1.0);
        assertThat(Scoring.coverage(byText, List.of("s1"), "canary only")).isCloseTo(1.0 / 3, within(1e-9));
    }
}
