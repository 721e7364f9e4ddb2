package dev.ragcanary.core.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rollout.Thresholds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class CalibrationTest {

    /** A calibration of A/A runs whose ΔS median differences are the given draws (the control at 0.47, λ divergent). */
    public static Calibration calibration(double... deltaSDifferences) {
        List<ProbeSummary> runs = new ArrayList<>();
        for (double d : deltaSDifferences) {
            runs.add(new ProbeSummary("k", 1, variant(0.47, LambdaState.DIVERGENT), variant(0.47 + d, LambdaState.DIVERGENT)));
        }
        return CalibrationBuilder.build(new CalibrationBuilder.Origin("2025-08-27T06:30:00Z", 1, "sample",
                        new Calibration.ProbeSetId("gold", "a".repeat(64), 1), "all-MiniLM-L6-v2-q"),
                new CalibrationBuilder.Settings(0.01, 0.95, Thresholds.DEFAULTS), runs);
    }

    private static ProbeSummary.VariantProbes variant(double median, LambdaState state) {
        return new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(median, 0.9, 6),
                new ProbeSummary.Coverage(0.95, Map.of("setup", 0.95), 6), Map.of("q1", List.of(state, state, state)), 0, 0, 6);
    }

    @Test
    void theLimitIsTheNormalToleranceBoundOfTheDifferencesRoundedUp() {
        double[] draws = new double[20];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = (i - 9.5) / 1000.0;
        }
        Calibration c = calibration(draws);
        // mean 0, sd 0.005916; k(20, 1 %, 95 %) = 3.295: 0.019494, rounded up to the summary's four decimals
        assertThat(c.metrics().deltaSMedian().limit()).isEqualTo(0.0195);
        assertThat(c.metrics().deltaSMedian().method()).isEqualTo("normal-tolerance");
        assertThat(c.metrics().deltaSMedian().noise().max()).isEqualTo(0.0095);
        assertThat(c.playbook().get(QualityRuleIds.DELTA_S).controlMeets()).as("0.48 > 0.45").isFalse();
        assertThat(c.playbook().get(QualityRuleIds.LAMBDA).controlWorst()).isEqualTo(1.0);
    }

    @Test
    void aCalibrationFileReadsBackAsWritten() {
        Calibration c = calibration(0.0, 0.001, -0.002, 0.0);
        assertThat(Calibration.parse("calibration", Json.pretty(c))).isEqualTo(c);
        assertThat(c.source()).isEqualTo("calibrated on 2025-08-27, 4 runs");
    }

    @Test
    void theShippedCalibrationFollowsTheSchema() throws Exception {
        Path file = Path.of("../../events/calibration/sample-target.json");
        Calibration c = Calibration.parse(file.toString(), Files.readString(file));
        assertThat(c.runs()).isEqualTo(20);
        assertThat(c.metrics().coverageByTopic()).isNotEmpty();
    }

    @Test
    void aBadCalibrationIsRefusedNamingEveryBadField() {
        ObjectNode doc = (ObjectNode) Json.MAPPER.valueToTree(calibration(0.0, 0.0));
        ((ObjectNode) doc.path("metrics").path("deltaSMedian")).put("limit", -1);
        doc.remove("runs");
        assertThatThrownBy(() -> Calibration.parse("calibration c.json", Json.pretty(doc)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.metrics.deltaSMedian.limit")
                .hasMessageContaining("$.runs")
                .hasMessageContaining("calibration c.json");
    }
}
