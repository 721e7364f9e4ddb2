package dev.ragcanary.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.gate.LiveMetrics;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.rag.IndexFingerprint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

class LogsInsightsMetricsSourceTest {
    private static final Instant START = Instant.parse("2025-08-27T06:00:00Z");
    private static final Instant END = Instant.parse("2025-08-27T06:30:00Z");
    private static final MetricsSource.Query QUERY = new MetricsSource.Query("rag-answer", "live", "41", "42",
            List.of("us-east-1"), START, END);
    private static final String RUNNING = "{\"status\":\"Running\",\"results\":[]}";

    private StubLogsServer stub;
    private CloudWatchLogsClient client;
    private LogsInsightsMetricsSource source;

    @BeforeEach
    void start() throws Exception {
        stub = new StubLogsServer();
        client = AwsClients.build(CloudWatchLogsClient.builder(), stub.endpoint(), Region.US_EAST_1);
        source = new LogsInsightsMetricsSource(region -> client, "/aws/lambda/rag-canary-router", Duration.ofMillis(1),
                Duration.ofSeconds(30), d -> { });
    }

    @AfterEach
    void stop() {
        client.close();
        stub.close();
    }

    @Test
    void readsCountsAndTheLatencyHistogramWithTwoQueries() {
        stub.reply(200, "{\"queryId\":\"q-counts\"}")
                .reply(200, RUNNING)
                .reply(200, complete(
                        row("version", "41", "cache.hit", "true", "n", "900"),
                        row("version", "41", "cache.hit", "false", "n", "95"),
                        row("version", "41", "failure_class", "5xx:UpstreamTimeout", "n", "5"),
                        row("version", "42", "cache.hit", "1", "n", "8"),
                        row("version", "42", "failure_class", "5xx:RerankerOOM", "n", "2"),
                        row("version", "42", "warm_ping", "true", "n", "50"),
                        row("version", "40", "n", "7"),
                        row("version", "41", "cache.collision", "true", "n", "1")))
                .reply(200, "{\"queryId\":\"q-latency\"}")
                .reply(200, complete(
                        row("version", "41", "cold_start", "false", "bucket", "599", "n", "3"),
                        row("version", "41", "cold_start", "true", "bucket", "700", "n", "4"),
                        row("version", "42", "cold_start", "0", "bucket", "610", "n", "2"),
                        row("version", "42", "warm_ping", "true", "bucket", "300", "n", "9")));

        LiveMetrics live = source.fetch(QUERY);

        assertThat(stub.calls).extracting(StubLogsServer.Call::target).containsExactly(
                "Logs_20140328.StartQuery", "Logs_20140328.GetQueryResults", "Logs_20140328.GetQueryResults",
                "Logs_20140328.StartQuery", "Logs_20140328.GetQueryResults");
        JsonNode counts = Json.parse("request", stub.calls.get(0).body());
        assertThat(counts.get("logGroupNames").toString()).isEqualTo("[\"/aws/lambda/rag-canary-router\"]");
        assertThat(counts.get("startTime").asLong()).isEqualTo(START.getEpochSecond());
        assertThat(counts.get("endTime").asLong()).isEqualTo(END.getEpochSecond());
        assertThat(counts.get("limit").asInt()).isEqualTo(10_000);
        assertThat(counts.get("queryString").asText()).isEqualTo("filter function = \"rag-answer\" and alias = \"live\"\n"
                + "| stats count(*) as n by version, failure_class, cache.hit, cache.collision, warm_ping");
        assertThat(Json.parse("request", stub.calls.get(1).body()).get("queryId").asText()).isEqualTo("q-counts");
        assertThat(Json.parse("request", stub.calls.get(3).body()).get("queryString").asText()).isEqualTo(
                "filter function = \"rag-answer\" and alias = \"live\" and ispresent(latency_ms.tfinal)\n"
                        + "| fields version, cold_start, warm_ping, floor(log(greatest(latency_ms.tfinal, 1)) * 100) as bucket\n"
                        + "| stats count(*) as n by version, cold_start, warm_ping, bucket");
        assertThat(Json.parse("request", stub.calls.get(4).body()).get("queryId").asText()).isEqualTo("q-latency");

        assertThat(live.control().requests()).isEqualTo(1_001);
        assertThat(live.control().errors()).isEqualTo(5);
        assertThat(live.control().failureClasses()).isEqualTo(Map.of("5xx:UpstreamTimeout", 5L));
        assertThat(live.control().cacheHits()).isEqualTo(900);
        assertThat(live.control().cacheMisses()).isEqualTo(95);
        assertThat(live.canary().requests()).isEqualTo(10);
        assertThat(live.canary().failureClasses()).isEqualTo(Map.of("5xx:RerankerOOM", 2L));
        assertThat(live.canary().cacheHits()).isEqualTo(8);
        assertThat(live.cachePrefixCollisions()).isEqualTo(1);
        assertThat(live.control().warmLatencyMs()).hasSize(3).allSatisfy(ms -> assertThat(ms).isBetween(400.0, 404.0));
        assertThat(live.canary().warmLatencyMs()).hasSize(2).allSatisfy(ms -> assertThat(ms).isBetween(445.0, 450.0));
    }

    @Test
    void moreWarmRequestsThanTheCapBecomeEvenlySpacedOrderStatistics() {
        stub.reply(200, "{\"queryId\":\"q1\"}").reply(200, complete(row("version", "42", "n", "30000")))
                .reply(200, "{\"queryId\":\"q2\"}").reply(200, complete(
                        row("version", "42", "bucket", "500", "n", "15000"),
                        row("version", "42", "bucket", "700", "n", "15000")));

        LiveMetrics live = source.fetch(QUERY);

        List<Double> canary = live.canary().warmLatencyMs();
        assertThat(canary).hasSize(LogsInsightsMetricsSource.SAMPLE_CAP).isSorted();
        long low = canary.stream().filter(ms -> ms < 200).count();
        assertThat(low).isBetween(4_999L, 5_001L);
        assertThat(live.control().warmLatencyMs()).isEmpty();
        assertThat(live.control().requests()).isZero();
    }

    @Test
    void aConcurrencyLimitIsReportedAsThrottling() {
        String limit = "{\"__type\":\"LimitExceededException\",\"message\":\"Account maximum query concurrency limit of [30] reached.\"}";
        for (int i = 0; i < 10; i++) {
            stub.reply(400, limit);
        }
        assertThatThrownBy(() -> source.fetch(QUERY))
                .isInstanceOf(MetricsSource.ThrottledException.class)
                .hasMessageContaining("us-east-1")
                .hasMessageContaining("concurrency limit of [30]");
        assertThat(stub.calls).isNotEmpty().allSatisfy(c -> assertThat(c.target()).isEqualTo("Logs_20140328.StartQuery"));
    }

    @Test
    void aFailedQueryIsAnErrorNamingIt() {
        stub.reply(200, "{\"queryId\":\"q-bad\"}").reply(200, "{\"status\":\"Failed\",\"results\":[]}");
        assertThatThrownBy(() -> source.fetch(QUERY))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Logs Insights query q-bad in us-east-1 ended Failed");
    }

    @Test
    void aMalformedQueryIsNotRetriedAsThrottling() {
        stub.reply(400, "{\"__type\":\"MalformedQueryException\",\"message\":\"unexpected symbol\"}");
        assertThatThrownBy(() -> source.fetch(QUERY))
                .isInstanceOf(software.amazon.awssdk.services.cloudwatchlogs.model.MalformedQueryException.class)
                .hasMessageContaining("unexpected symbol");
        assertThat(stub.calls).hasSize(1);
    }

    @Test
    void regionsAreSummed() {
        MetricsSource.Query twoRegions = new MetricsSource.Query("rag-answer", "live", "41", "42",
                List.of("us-east-1", "eu-west-1"), START, END);
        for (int i = 0; i < 2; i++) {
            stub.reply(200, "{\"queryId\":\"c" + i + "\"}").reply(200, complete(row("version", "42", "n", "10")))
                    .reply(200, "{\"queryId\":\"l" + i + "\"}").reply(200, complete(row("version", "42", "bucket", "600", "n", "10")));
        }
        LiveMetrics live = source.fetch(twoRegions);
        assertThat(live.canary().requests()).isEqualTo(20);
        assertThat(live.canary().warmLatencyMs()).hasSize(20);
    }

    @Test
    void fingerprintsAreTheMostFrequentPerVariantAndRegion() {
        stub.reply(200, "{\"queryId\":\"q-index\"}").reply(200, complete(
                row("version", "42", "retrieval.INDEX_HASH", "0x9a77", "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "90"),
                row("version", "42", "retrieval.INDEX_HASH", "0x1111", "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "3"),
                row("version", "41", "retrieval.INDEX_HASH", "0x9a77", "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "900"),
                row("version", "42", "n", "4")));

        Map<String, Map<String, IndexFingerprint>> fingerprints = source.fingerprints(QUERY);

        IndexFingerprint expected = new IndexFingerprint("0x9a77", "cosine", "bilstem");
        assertThat(fingerprints).isEqualTo(Map.of("canary", Map.of("us-east-1", expected), "control", Map.of("us-east-1", expected)));
        assertThat(Json.parse("request", stub.calls.get(0).body()).get("queryString").asText()).isEqualTo(
                "filter function = \"rag-answer\" and alias = \"live\"\n"
                        + "| stats count(*) as n by version, retrieval.INDEX_HASH, retrieval.metric, retrieval.analyzer");
    }

    private static String complete(String... rows) {
        return "{\"status\":\"Complete\",\"statistics\":{\"recordsMatched\":1.0,\"recordsScanned\":1.0,\"bytesScanned\":1.0},"
                + "\"results\":[" + String.join(",", rows) + "]}";
    }

    private static String row(String... fieldValues) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < fieldValues.length; i += 2) {
            sb.append(i == 0 ? "" : ",").append("{\"field\":\"").append(fieldValues[i]).append("\",\"value\":\"")
                    .append(fieldValues[i + 1]).append("\"}");
        }
        return sb.append(']').toString();
    }
}
