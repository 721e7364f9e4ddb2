package dev.ragcanary.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.LiveMetrics;
import dev.ragcanary.core.gate.ProbeSummary;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.local.fleet.SimulatedFleet;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Interim gate evaluation for the local runner, on the PREAMBLE contract ({@code {rollout, stage, extensions,
 * controlVersion, probes, windowStart, windowEnd}} in, {@code {verdict, evidenceKey}} out): live metrics from the
 * fleet's {@link MetricsSource}, fingerprints from the fleet, the real {@link GateEngine}. Replaced by the gate
 * evaluation function's own handler (issue 8) as soon as it exists.
 */
final class LocalGate {
    private LocalGate() {
    }

    static RequestStreamHandler handler(SimulatedFleet fleet, EvidenceStore evidence) {
        return (in, out, context) -> {
            JsonNode input = Json.MAPPER.readTree(in);
            RolloutRequest plan = RolloutRequestParser.parse(input.path("rollout"));
            String stageName = input.path("stage").asText();
            Stage stage = plan.stage(stageName).orElseThrow(() -> new IllegalArgumentException("no stage " + stageName));
            int extensions = input.path("extensions").asInt();
            List<String> regions = stage.weight() >= StageLadder.ALL_REGIONS_FROM_WEIGHT ? plan.regions()
                    : List.of(plan.pilotRegion());
            LiveMetrics live = fleet.fetch(new MetricsSource.Query(plan.target().functionName(), plan.target().alias(),
                    input.path("controlVersion").asText(), plan.target().canaryVersion(), regions,
                    Instant.parse(input.path("windowStart").asText()), Instant.parse(input.path("windowEnd").asText())));
            ProbeSummary probes = Json.MAPPER.convertValue(input.path("probes"), ProbeSummary.class);
            Evidence gathered = new Evidence(null, stageName, stage.weight(), extensions, probes, live,
                    fleet.fingerprints(regions), plan.expectedIndex(), plan.thresholds());
            Verdict verdict = GateEngine.standard().evaluate(stage, plan.thresholds(), gathered);
            String key = "rollouts/" + plan.rolloutId() + "/gate/" + stageName + "-" + extensions + "-"
                    + input.path("windowEnd").asText().replace(':', '-') + ".json";
            ObjectNode record = Json.MAPPER.createObjectNode();
            record.set("verdict", Json.MAPPER.valueToTree(verdict));
            record.set("evidence", Json.MAPPER.valueToTree(gathered));
            evidence.put(key, Json.pretty(record));
            ObjectNode result = Json.MAPPER.createObjectNode();
            result.set("verdict", Json.MAPPER.valueToTree(verdict));
            result.put("evidenceKey", key);
            out.write(Json.compact(result).getBytes(StandardCharsets.UTF_8));
        };
    }
}
