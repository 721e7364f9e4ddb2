package dev.ragcanary.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.traffic.RouteDecision;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One JSON log line per routed request in the docs/design.md shape (plus the fields the Logs Insights metrics source
 * groups by: {@code function}, {@code alias}, {@code version}, {@code warm_ping}, {@code failure_class},
 * {@code cache.collision}, and the function's {@code egress} emissions), which is also a CloudWatch Embedded Metric Format
 * document (namespace {@value #NAMESPACE}): Requests, LatencyMs, Errors, CacheHits, CacheMisses, PrefixCollisions
 * and RoutingFallbacks, by Function/Alias/Variant/ColdStart and by Function/Alias/Variant/FailureClass. Warm-up pings
 * are logged without metrics so they never count.
 */
public final class Telemetry {
    public static final String NAMESPACE = "RagCanary/Router";
    static final String NO_FAILURE = "none";
    private static final String[] COUNTS = {"Requests", "Errors", "CacheHits", "CacheMisses", "PrefixCollisions",
            "RoutingFallbacks"};

    private final Consumer<String> sink;
    private final String functionName;
    private final String alias;
    private final String region;

    /** @param sink where each line goes; in Lambda, standard output (the function's log stream) */
    public Telemetry(Consumer<String> sink, String functionName, String alias, String region) {
        this.sink = sink;
        this.functionName = functionName;
        this.alias = alias;
        this.region = region;
    }

    /**
     * What the router learned about one request.
     *
     * @param variantLabel "control", "canary" or "alias" (for an alias call whose version was not recognised)
     * @param version      the version that served it
     * @param failureClass normalized error signature, null on success
     * @param rag          the RAG response body (data contract), null if it was not JSON
     * @param mirrored     also sent to the canary as shadow traffic
     */
    record Observation(Instant at, String route, RouteDecision decision, String variantLabel, String version,
                       boolean coldStart, double latencyMs, double invokeMs, int status, String failureClass,
                       JsonNode rag, String edgePop, boolean mirrored, boolean prefixCollision) {
    }

    void record(Observation o) {
        sink.accept(Json.compact(line(o)));
    }

    /** A request the router answered itself without invoking anything: logged, no metrics, no version. */
    void refused(Instant at, String route, int status, String reason) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("ts", at.toString());
        line.put("function", functionName);
        line.put("alias", alias);
        line.put("route", route);
        line.put("region", region);
        line.put("status", status);
        line.put("refused", reason);
        sink.accept(Json.compact(line));
    }

    ObjectNode line(Observation o) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("ts", o.at().toString());
        line.put("function", functionName);
        line.put("alias", alias);
        line.put("route", o.route());
        line.put("variant", o.variantLabel() + (o.version() == null ? "" : "-v" + o.version()));
        if (o.version() != null) {
            line.put("version", o.version());
        }
        if (o.decision().bucket() >= 0) {
            line.put("sticky", "h" + o.decision().bucket()); // the bucket, never the key itself (it may be personal)
        }
        line.put("region", region);
        if (o.edgePop() != null) {
            line.put("edge_pop", o.edgePop());
        }
        line.put("cold_start", o.coldStart());
        line.put("warm_ping", o.decision().warmPing());
        ObjectNode latency = line.putObject("latency_ms");
        JsonNode reported = o.rag() == null ? null : o.rag().get("latency_ms");
        if (reported != null && reported.isObject()) {
            latency.setAll((ObjectNode) reported);
        }
        latency.put("invoke", round(o.invokeMs()));
        latency.put("tfinal", round(o.latencyMs()));
        line.put("status", o.status());
        ObjectNode retrieval = retrieval(o.rag());
        if (retrieval != null) {
            line.set("retrieval", retrieval);
        }
        JsonNode cache = o.rag() == null ? null : o.rag().get("cache");
        if (cache != null && cache.isObject()) {
            ObjectNode copy = cache.deepCopy();
            copy.put("collision", o.prefixCollision());
            line.set("cache", copy);
        }
        JsonNode egress = o.rag() == null ? null : o.rag().get("egress");
        if (egress != null && egress.isArray()) { // the egress library's emissions (shared contract C)
            line.set("egress", egress.deepCopy());
        }
        RouteDecision d = o.decision();
        ObjectNode routing = line.putObject("routing");
        routing.put("reason", d.reason().name());
        if (d.rolloutId() != null) {
            routing.put("rollout", d.rolloutId());
            routing.put("epoch", d.epoch());
        }
        routing.put("fallback", d.fallback());
        routing.put("exp_ignored", d.experimentIgnored());
        routing.put("shadow_mirrored", o.mirrored());
        if (o.failureClass() != null) {
            line.put("failure_class", o.failureClass());
        }
        if (!d.warmPing()) {
            addMetrics(line, o);
        }
        return line;
    }

    private void addMetrics(ObjectNode line, Observation o) {
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", o.at().toEpochMilli());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dimensions = directive.putArray("Dimensions");
        dimensions.addArray().add("Function").add("Alias").add("Variant").add("ColdStart");
        dimensions.addArray().add("Function").add("Alias").add("Variant").add("FailureClass");
        ArrayNode metrics = directive.putArray("Metrics");
        metrics.addObject().put("Name", "LatencyMs").put("Unit", "Milliseconds");
        for (String count : COUNTS) {
            metrics.addObject().put("Name", count).put("Unit", "Count");
        }
        line.put("Function", functionName);
        line.put("Alias", alias);
        line.put("Variant", o.variantLabel());
        line.put("ColdStart", Boolean.toString(o.coldStart()));
        line.put("FailureClass", o.failureClass() == null ? NO_FAILURE : o.failureClass());
        line.put("LatencyMs", round(o.latencyMs()));
        line.put("Requests", 1);
        line.put("Errors", o.failureClass() == null ? 0 : 1);
        JsonNode hit = o.rag() == null ? null : o.rag().path("cache").get("hit");
        line.put("CacheHits", hit != null && hit.asBoolean() ? 1 : 0);
        line.put("CacheMisses", hit != null && !hit.asBoolean() ? 1 : 0);
        line.put("PrefixCollisions", o.prefixCollision() ? 1 : 0);
        line.put("RoutingFallbacks", o.decision().fallback() ? 1 : 0);
    }

    private static ObjectNode retrieval(JsonNode rag) {
        if (rag == null || !rag.isObject()) {
            return null;
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        JsonNode retrieved = rag.get("retrieved");
        if (retrieved != null && retrieved.isArray()) {
            out.put("k", retrieved.size());
        }
        JsonNode index = rag.get("index");
        if (index != null && index.isObject()) {
            for (String field : new String[] {"metric", "analyzer", "INDEX_HASH"}) {
                if (index.hasNonNull(field)) {
                    out.put(field, index.get(field).asText());
                }
            }
        }
        return out.isEmpty() ? null : out;
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
