package dev.ragcanary.core.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.ProbeSummary;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The controller's own metrics in the {@code RagCanary} namespace (docs/metrics.md), written as CloudWatch Embedded
 * Metric Format lines: in Lambda a line on standard output becomes the metric, with no API call.
 */
public final class ControllerMetrics {
    public static final String NAMESPACE = "RagCanary";

    private final Consumer<String> sink;
    private final Clock clock;

    public ControllerMetrics(Consumer<String> sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
    }

    /** Standard output, where Lambda's log stream (and so EMF) reads it. */
    public static ControllerMetrics toStandardOutput() {
        return new ControllerMetrics(System.out::println, Clock.systemUTC());
    }

    /** The verified canary weight after a change, in percent (promote 100, rollback 0). */
    public void canaryWeight(String functionName, String stage, double weight) {
        emit(dimensions("FunctionName", functionName, "Stage", stage), "Percent", Map.of("CanaryWeight", weight * 100.0));
    }

    /** One count per stale cache purge that gave up (the alarm on it tells someone to finish it). */
    public void cachePurgeUnfinished(String functionName) {
        emit(dimensions("FunctionName", functionName), "Count", Map.of("CachePurgesUnfinished", 1.0));
    }

    /** One count per verdict, and the probe summary's ΔS median and coverage per variant. */
    public void verdict(String functionName, Verdict verdict, ProbeSummary probes) {
        emit(dimensions("FunctionName", functionName, "Stage", verdict.stage(), "Decision", verdict.decision().name()),
                "Count", Map.of("GateVerdict", 1.0));
        if (probes != null) {
            quality(functionName, verdict.stage(), "control", probes.control());
            quality(functionName, verdict.stage(), "canary", probes.canary());
        }
    }

    private void quality(String functionName, String stage, String variant, ProbeSummary.VariantProbes probes) {
        if (probes == null || probes.deltaS() == null || probes.coverage() == null) {
            return;
        }
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("DeltaSMedian", probes.deltaS().median());
        values.put("Coverage", probes.coverage().mean());
        emit(dimensions("FunctionName", functionName, "Stage", stage, "Variant", variant), "None", values);
    }

    private void emit(Map<String, String> dimensions, String unit, Map<String, Double> values) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode set = directive.putArray("Dimensions").addArray();
        dimensions.keySet().forEach(set::add);
        ArrayNode metrics = directive.putArray("Metrics");
        dimensions.forEach(line::put);
        values.forEach((name, value) -> {
            metrics.addObject().put("Name", name).put("Unit", unit);
            line.put(name, value);
        });
        sink.accept(Json.compact(line));
    }

    /** Dimension names and values in the order given (name, value, name, value, ...). */
    private static Map<String, String> dimensions(String... namesAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return out;
    }
}
