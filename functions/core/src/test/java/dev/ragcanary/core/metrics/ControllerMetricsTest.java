package dev.ragcanary.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.ProbeSummary;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lines follow the EMF specification and the names and dimension sets of docs/metrics.md. */
class ControllerMetricsTest {
    private final List<String> lines = new ArrayList<>();
    private final ControllerMetrics metrics = new ControllerMetrics(lines::add,
            Clock.fixed(Instant.parse("2025-08-27T06:30:00Z"), ZoneOffset.UTC));

    @Test
    void canaryWeightIsAPercentPerFunctionAndStage() {
        metrics.canaryWeight("rag-answer", "five", 0.05);

        JsonNode line = Json.parse("emf", lines.get(0));
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertThat(line.at("/_aws/Timestamp").asLong()).isEqualTo(Instant.parse("2025-08-27T06:30:00Z").toEpochMilli());
        assertThat(directive.get("Namespace").asText()).isEqualTo("RagCanary");
        assertThat(directive.at("/Dimensions/0").toString()).isEqualTo("[\"FunctionName\",\"Stage\"]");
        assertThat(directive.at("/Metrics/0").toString()).isEqualTo("{\"Name\":\"CanaryWeight\",\"Unit\":\"Percent\"}");
        assertThat(line.get("CanaryWeight").asDouble()).isEqualTo(5.0);
        assertThat(line.get("FunctionName").asText()).isEqualTo("rag-answer");
        assertThat(line.get("Stage").asText()).isEqualTo("five");
    }

    @Test
    void aVerdictCountsOnceByDecisionAndReportsQualityPerVariant() {
        ProbeSummary.VariantProbes control = new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(0.31, 0.4, 10),
                new ProbeSummary.Coverage(0.82, Map.of(), 10), Map.of(), 0, 0, 10);
        ProbeSummary.VariantProbes canary = new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(0.52, 0.6, 10),
                new ProbeSummary.Coverage(0.64, Map.of(), 10), Map.of(), 0, 0, 10);

        metrics.verdict("rag-answer", new Verdict("one", 0.01, Decision.ROLLBACK, "r", 0, List.of()),
                new ProbeSummary("k", 5, control, canary));

        assertThat(lines).hasSize(3);
        JsonNode count = Json.parse("emf", lines.get(0));
        assertThat(count.at("/_aws/CloudWatchMetrics/0/Dimensions/0").toString()).isEqualTo("[\"FunctionName\",\"Stage\",\"Decision\"]");
        assertThat(count.get("Decision").asText()).isEqualTo("ROLLBACK");
        assertThat(count.get("GateVerdict").asDouble()).isEqualTo(1.0);
        JsonNode canaryLine = Json.parse("emf", lines.get(2));
        assertThat(canaryLine.at("/_aws/CloudWatchMetrics/0/Dimensions/0").toString()).isEqualTo("[\"FunctionName\",\"Stage\",\"Variant\"]");
        assertThat(canaryLine.get("Variant").asText()).isEqualTo("canary");
        assertThat(canaryLine.get("DeltaSMedian").asDouble()).isEqualTo(0.52);
        assertThat(canaryLine.get("Coverage").asDouble()).isEqualTo(0.64);
    }
}
