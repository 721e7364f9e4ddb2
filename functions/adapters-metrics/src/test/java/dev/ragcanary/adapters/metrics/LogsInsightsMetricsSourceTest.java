package dev.ragcanary.adapters.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.ShadowSink;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.testsupport.SteppedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.MalformedQueryException;

/**
 * Against a local CloudWatch Logs stub with the service's response shapes: StartQuery → queryId, GetQueryResults →
 * status Scheduled/Running/Complete/Failed/Cancelled/Timeout with results, StopQuery → success, and the error bodies of
 * LimitExceededException, MalformedQueryException and InvalidParameterException. Query ids name the query and region
 * ("counts-us-east-1"); time moves only when the source sleeps between polls.
 */
class LogsInsightsMetricsSourceTest {
    private static final Instant START = Instant.parse("2025-08-27T06:00:00Z");
    private static final Instant END = Instant.parse("2025-08-27T06:30:00Z");
    private static final MetricsSource.Query QUERY = new MetricsSource.Query("rag-answer", "live",
            Map.of("us-east-1", "41"), Map.of("us-east-1", "42"), List.of("us-east-1"), START, END, false);
    private static final MetricsSource.Query TWO_REGIONS = new MetricsSource.Query("rag-answer", "live",
            Map.of("us-east-1", "41", "eu-west-1", "41"), Map.of("us-east-1", "42", "eu-west-1", "42"),
            List.of("us-east-1", "eu-west-1"), START, END, false);
    private static final String RUNNING = "{\"status\":\"Running\",\"results\":[]}";
    private static final String LIMIT = "{\"__type\":\"LimitExceededException\",\"message\":\"Account maximum query concurrency limit of [30] reached.\"}";
    private static final IndexFingerprint INDEX = new IndexFingerprint("0x9a77", "cosine", "bilstem");
    private static final ShadowSink NO_SHADOW_EMISSIONS = (region, version, from, to) -> java.util.Set.of();

    /** queryId → the GetQueryResults bodies it answers in turn (the last one again once they run out). */
    private final Map<String, Deque<String>> results = new ConcurrentHashMap<>();
    /** queryId → the error StartQuery answers instead of starting it. */
    private final Map<String, String> refused = new HashMap<>();
    private String stopAnswer = "{\"success\":true}";
    private final SteppedClock clock = new SteppedClock(Instant.parse("2025-08-27T06:31:00Z"));

    private StubLogsServer stub;
    private final Map<String, CloudWatchLogsClient> clients = new HashMap<>();
    private LogsInsightsMetricsSource source;

    @BeforeEach
    void start() throws Exception {
        stub = new StubLogsServer(this::respond);
        source = new LogsInsightsMetricsSource(region -> clients.computeIfAbsent(region,
                r -> AwsClients.build(CloudWatchLogsClient.builder(), stub.endpoint(), Region.of(r))),
                "/aws/lambda/rag-canary-router", Duration.ofSeconds(1), clock::advance, clock, NO_SHADOW_EMISSIONS);
    }

    @AfterEach
    void stop() {
        clients.values().forEach(CloudWatchLogsClient::close);
        stub.close();
    }

    @Test
    void startsCountsLatencyAndFingerprintQueriesBeforePollingAnyAndReadsThem() {
        answer("counts-us-east-1", RUNNING, complete(
                row("version", "41", "cache.hit", "true", "n", "900"),
                row("version", "41", "cache.hit", "false", "n", "95"),
                row("version", "41", "failure_class", "5xx:UpstreamTimeout", "n", "5"),
                row("version", "42", "cache.hit", "1", "n", "8"),
                row("version", "42", "failure_class", "5xx:RerankerOOM", "n", "2"),
                row("version", "42", "warm_ping", "true", "n", "50"),
                row("version", "40", "n", "7"),
                row("version", "41", "cache.collision", "true", "n", "1")));
        answer("latency-us-east-1", complete(
                row("version", "41", "cold_start", "false", "bucket", "599", "n", "3"),
                row("version", "41", "cold_start", "true", "bucket", "700", "n", "4"),
                row("version", "42", "cold_start", "0", "bucket", "610", "n", "2"),
                row("version", "42", "warm_ping", "true", "bucket", "300", "n", "9")));
        answer("index-us-east-1", "{\"status\":\"Scheduled\",\"results\":[]}", complete(
                row("version", "42", "retrieval.INDEX_HASH", "0x9a77", "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "90"),
                row("version", "42", "retrieval.INDEX_HASH", "0x1111", "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "3"),
                row("version", "41", "retrieval.INDEX_HASH", "0x9a77", "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "900"),
                row("version", "42", "n", "4")));

        MetricsSource.Reading reading = source.read(QUERY, clock.instant().plusSeconds(100));

        assertThat(stub.calls).extracting(StubLogsServer.Call::operation).as("all seven run at once").startsWith(
                "StartQuery", "StartQuery", "StartQuery", "StartQuery", "StartQuery", "StartQuery", "StartQuery",
                "GetQueryResults").doesNotContain("StopQuery");
        assertThat(stub.calls("GetQueryResults")).extracting(c -> queryId(c)).containsExactly(
                "counts-us-east-1", "latency-us-east-1", "index-us-east-1", "egress-us-east-1", "egress-age-us-east-1",
                "posts-us-east-1", "mirrored-us-east-1", "counts-us-east-1", "index-us-east-1");
        JsonNode counts = Json.parse("request", stub.calls.get(0).body());
        assertThat(counts.get("logGroupNames").toString()).isEqualTo("[\"/aws/lambda/rag-canary-router\"]");
        assertThat(counts.get("startTime").asLong()).isEqualTo(START.getEpochSecond());
        assertThat(counts.get("endTime").asLong()).isEqualTo(END.getEpochSecond());
        assertThat(counts.get("limit").asInt()).isEqualTo(10_000);
        assertThat(stub.calls("StartQuery")).extracting(c -> Json.parse("request", c.body()).get("queryString").asText())
                .startsWith("filter function = \"rag-answer\" and alias = \"live\"\n"
                                + "| stats count(*) as n by version, failure_class, cache.hit, cache.collision, warm_ping",
                        "filter function = \"rag-answer\" and alias = \"live\" and ispresent(latency_ms.tfinal)\n"
                                + "| fields version, cold_start, warm_ping, floor(log(greatest(latency_ms.tfinal, 1)) * 100) as bucket\n"
                                + "| stats count(*) as n by version, cold_start, warm_ping, bucket",
                        "filter function = \"rag-answer\" and alias = \"live\"\n"
                                + "| stats count(*) as n by version, retrieval.INDEX_HASH, retrieval.metric, retrieval.analyzer");

        assertThat(reading.isComplete()).isTrue();
        LiveMetrics live = reading.live();
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
        assertThat(reading.fingerprints()).as("the most frequent per variant and region")
                .isEqualTo(Map.of("canary", Map.of("us-east-1", INDEX), "control", Map.of("us-east-1", INDEX)));
    }

    @Test
    void egressIsReadFromTheTelemetryLinesEgressArrayAndShadowEmissionsAreMatchedAgainstTheSink() {
        List<String> sinkReads = new java.util.ArrayList<>();
        Instant latest = END.minus(LogsInsightsMetricsSource.SHADOW_GRACE).minusSeconds(1);
        LogsInsightsMetricsSource withEgress = new LogsInsightsMetricsSource(region -> clients.computeIfAbsent(region,
                r -> AwsClients.build(CloudWatchLogsClient.builder(), stub.endpoint(), Region.of(r))),
                "/aws/lambda/rag-canary-router", Duration.ofSeconds(1), clock::advance, clock, (region, version, from, to) -> {
                    sinkReads.add(region + " " + version + " " + from + " " + to);
                    return from.equals(START) ? java.util.Set.of("k1", "k2", "k9", "late") : java.util.Set.of("k1", "k2", "k9");
                });
        answer("counts-us-east-1", complete(row("version", "41", "n", "10")));
        answer("latency-us-east-1", complete());
        answer("index-us-east-1", complete());
        answer("egress-us-east-1", complete(
                row("version", "41", "shadow", "false", "destination", "partner", "success", "true", "tries", "1", "n", "950"),
                row("version", "41", "shadow", "false", "destination", "partner", "success", "false", "tries", "3", "n", "50"),
                row("version", "41", "shadow", "false", "destination", "suppressed", "success", "false", "tries", "0", "n", "4"),
                row("version", "42", "shadow", "0", "destination", "partner", "success", "1", "tries", "2", "n", "10"),
                row("version", "40", "shadow", "false", "destination", "partner", "success", "true", "tries", "1", "n", "7")));
        answer("egress-age-us-east-1", complete(
                row("version", "41", "shadow", "false", "destination", "partner", "success", "true", "bucket", "368", "n", "950"),
                row("version", "41", "shadow", "false", "destination", "partner", "success", "false", "bucket", "900", "n", "50"),
                row("version", "42", "shadow", "false", "destination", "partner", "success", "true", "bucket", "400", "n", "10")));
        answer("posts-us-east-1", complete(row("posts", "1012", "keys", "1010")));
        answer("mirrored-us-east-1", complete(
                row("version", "41", "key", "k1", "shadow", "false", "n", "1", "last", String.valueOf(START.plusSeconds(90).toEpochMilli())),
                row("version", "41", "key", "k2", "shadow", "false", "n", "1", "last", String.valueOf(latest.toEpochMilli())),
                row("version", "41", "key", "k3", "shadow", "false", "n", "2", "last", String.valueOf(START.plusSeconds(300).toEpochMilli())),
                row("version", "41", "key", "k4", "shadow", "false", "n", "1", "last", String.valueOf(END.minusSeconds(5).toEpochMilli()))));

        MetricsSource.Reading reading = withEgress.read(QUERY, clock.instant().plusSeconds(100));

        assertThat(reading.isComplete()).isTrue();
        assertThat(stub.calls("StartQuery")).hasSize(7);
        List<String> queries = stub.calls("StartQuery").stream().map(c -> Json.parse("request", c.body()).get("queryString").asText()).toList();
        String emissions = "filter function = \"rag-answer\" and alias = \"live\"\n| fields jsonParse(@message) as line\n"
                + "| unnest line.egress into e\n| filter ispresent(e.dedupe_key)";
        assertThat(queries.subList(3, 7)).containsExactly(
                emissions + "\n| fields version, e.shadow as shadow, e.destination as destination, e.success as success, e.tries as tries"
                        + "\n| stats count(*) as n by version, shadow, destination, success, tries",
                emissions + " and ispresent(e.age_ms)\n| fields version, e.shadow as shadow, e.destination as destination, "
                        + "e.success as success, floor(log(greatest(e.age_ms, 1)) * 100) as bucket"
                        + "\n| stats count(*) as n by version, shadow, destination, success, bucket",
                emissions + " and e.destination = \"partner\" and e.tries > 0\n| stats count(*) as posts by e.dedupe_key"
                        + "\n| stats sum(posts) as posts, count(*) as keys",
                "filter function = \"rag-answer\" and alias = \"live\" and @message like /\"shadow_mirrored\":true/\n"
                        + "| fields jsonParse(@message) as line\n| unnest line.egress into e\n| filter ispresent(e.dedupe_key)"
                        + "\n| fields version, e.dedupe_key as key, e.shadow as shadow, toMillis(@timestamp) as at"
                        + "\n| stats count(*) as n, max(at) as last by version, key, shadow");
        EgressMetrics egress = reading.egress();
        assertThat(egress.control().emissions()).isEqualTo(1_000);
        assertThat(egress.control().successes()).isEqualTo(950);
        assertThat(egress.control().suppressed()).isEqualTo(4);
        assertThat(egress.control().tries()).isEqualTo(Map.of(1, 950L, 3, 50L));
        assertThat(egress.control().ageMs()).as("accepted emissions only").hasSize(950)
                .allSatisfy(ms -> assertThat(ms).isBetween(39.0, 40.0));
        assertThat(egress.canary().emissions()).isEqualTo(10);
        assertThat(egress.canary().tries()).isEqualTo(Map.of(2, 10L));
        assertThat(egress.canary().ageMs()).hasSize(10);
        assertThat(egress.partnerDuplicates()).isEqualTo(2);
        assertThat(sinkReads).containsExactlyInAnyOrder("us-east-1 rag-answer:42 " + START + " " + END,
                "us-east-1 rag-answer:42 " + START.plus(LogsInsightsMetricsSource.SHADOW_GRACE) + " " + END);
        assertThat(egress.shadow()).as("k4 is too recent to count; k3 has no shadow; k9 has no control emission")
                .isEqualTo(new EgressMetrics.ShadowMatch(4, 3, 2, 2, 1));
    }

    @Test
    void everyRegionsQueriesStartBeforeAnyIsPolledAndRegionsAreSummed() {
        for (String region : TWO_REGIONS.regions()) {
            answer("counts-" + region, RUNNING, complete(row("version", "42", "n", "10")));
            answer("latency-" + region, complete(row("version", "42", "bucket", "600", "n", "10")));
            answer("index-" + region, complete(row("version", "42", "retrieval.INDEX_HASH", "0x9a77",
                    "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "10")));
        }

        MetricsSource.Reading reading = source.read(TWO_REGIONS, clock.instant().plusSeconds(100));

        assertThat(stub.calls.subList(0, 14)).extracting(c -> c.operation() + " " + c.region()).containsExactly(
                "StartQuery us-east-1", "StartQuery us-east-1", "StartQuery us-east-1", "StartQuery us-east-1",
                "StartQuery us-east-1", "StartQuery us-east-1", "StartQuery us-east-1",
                "StartQuery eu-west-1", "StartQuery eu-west-1", "StartQuery eu-west-1", "StartQuery eu-west-1",
                "StartQuery eu-west-1", "StartQuery eu-west-1", "StartQuery eu-west-1");
        assertThat(reading.live().canary().requests()).isEqualTo(20);
        assertThat(reading.live().canary().warmLatencyMs()).hasSize(20);
        assertThat(reading.fingerprints().get("canary")).containsOnlyKeys("us-east-1", "eu-west-1");
    }

    @Test
    void atTheShadowStageOnlyPartnerPostsAndMirroredEmissionsAreQueried() {
        List<String> started = new java.util.ArrayList<>();
        LogsInsightsMetricsSource shadowSource = new LogsInsightsMetricsSource(region -> clients.computeIfAbsent(region,
                r -> AwsClients.build(CloudWatchLogsClient.builder(), stub.endpoint(), Region.of(r))),
                "/aws/lambda/rag-canary-router", Duration.ofSeconds(1), clock::advance, clock,
                (region, version, from, to) -> {
                    started.add("sink " + version);
                    return java.util.Set.of("k1");
                });
        Instant settled = END.minus(LogsInsightsMetricsSource.SHADOW_GRACE).minusSeconds(1);
        answer("mirrored-us-east-1", complete(row("version", "41", "key", "k1", "shadow", "false", "n", "1",
                "last", String.valueOf(settled.toEpochMilli()))));
        answer("posts-us-east-1", complete(row("posts", "1", "keys", "1")));
        MetricsSource.Query shadow = new MetricsSource.Query("rag-answer", "live", Map.of("us-east-1", "41"),
                Map.of("us-east-1", "42"), List.of("us-east-1"), START, END, true);

        MetricsSource.Reading reading = shadowSource.read(shadow, END.plusSeconds(60));

        assertThat(stub.calls("StartQuery")).extracting(c -> c.region() + " "
                + (c.body().contains("shadow_mirrored") ? "mirrored" : c.body().contains("sum(posts)") ? "posts" : "other"))
                .containsExactlyInAnyOrder("us-east-1 mirrored", "us-east-1 posts");
        assertThat(reading.live()).isNull();
        assertThat(reading.fingerprints()).isEmpty();
        assertThat(reading.egress().shadow()).isEqualTo(new EgressMetrics.ShadowMatch(1, 1, 1, 0, 0));
        assertThat(reading.egress().partnerDuplicates()).isZero();
        assertThat(started).contains("sink rag-answer:42");
    }

    @Test
    void eachRegionsRowsAreLabelledByThatRegionsVersions() {
        MetricsSource.Query numberedPerRegion = new MetricsSource.Query("rag-answer", "live",
                Map.of("us-east-1", "41", "eu-west-1", "16"), Map.of("us-east-1", "42", "eu-west-1", "17"),
                List.of("us-east-1", "eu-west-1"), START, END, false);
        answer("counts-us-east-1", complete(row("version", "41", "n", "1000"), row("version", "42", "n", "100")));
        answer("latency-us-east-1", complete(row("version", "41", "bucket", "600", "n", "1000"),
                row("version", "42", "bucket", "600", "n", "100")));
        answer("index-us-east-1", complete());
        // eu-west-1 numbers the same code 16 and 17; its canary fails a fifth of its requests.
        answer("counts-eu-west-1", complete(row("version", "16", "n", "500"), row("version", "17", "n", "40"),
                row("version", "17", "failure_class", "5xx:RerankerOOM", "n", "10")));
        answer("latency-eu-west-1", complete(row("version", "16", "bucket", "600", "n", "500"),
                row("version", "17", "bucket", "700", "n", "40")));
        answer("index-eu-west-1", complete(row("version", "17", "retrieval.INDEX_HASH", "0x9a77",
                "retrieval.metric", "cosine", "retrieval.analyzer", "bilstem", "n", "50")));

        MetricsSource.Reading reading = source.read(numberedPerRegion, clock.instant().plusSeconds(100));

        assertThat(reading.live().canary().requests()).isEqualTo(150);
        assertThat(reading.live().canary().failureClasses()).isEqualTo(Map.of("5xx:RerankerOOM", 10L));
        assertThat(reading.live().canary().warmLatencyMs()).hasSize(140);
        assertThat(reading.live().control().requests()).isEqualTo(1_500);
        assertThat(reading.live().control().warmLatencyMs()).hasSize(1_500);
        assertThat(reading.fingerprints()).isEqualTo(Map.of("canary", Map.of("eu-west-1", INDEX)));
    }

    @Test
    void queriesStillRunningAtTheDeadlineAreStoppedAndNamed() {
        for (String region : TWO_REGIONS.regions()) {
            answer("counts-" + region, complete(row("version", "42", "n", "10")));
            answer("index-" + region, complete());
        }
        answer("latency-us-east-1", complete());
        answer("latency-eu-west-1", RUNNING);
        Instant deadline = clock.instant().plusSeconds(10);

        MetricsSource.Reading reading = source.read(TWO_REGIONS, deadline);

        assertThat(reading.isComplete()).isFalse();
        assertThat(reading.unfinished()).containsExactly(
                "latency histogram query latency-eu-west-1 in eu-west-1 (Running), stopped at the deadline");
        assertThat(reading.live()).isNull();
        assertThat(stub.calls("StopQuery")).extracting(c -> c.region() + " " + queryId(c))
                .containsExactly("eu-west-1 latency-eu-west-1");
        assertThat(clock.instant()).as("no poll after the deadline").isEqualTo(deadline);
        assertThat(stub.calls.get(stub.calls.size() - 1).operation()).isEqualTo("StopQuery");
    }

    @Test
    void aStopThatFailsIsNamedWithTheUnfinishedQuery() {
        answer("counts-us-east-1", RUNNING);
        answer("latency-us-east-1", complete());
        answer("index-us-east-1", complete());
        stopAnswer = "{\"__type\":\"InvalidParameterException\",\"message\":\"Query is not running\"}";

        MetricsSource.Reading reading = source.read(QUERY, clock.instant().plusSeconds(3));

        assertThat(reading.unfinished()).singleElement().asString()
                .startsWith("counts query counts-us-east-1 in us-east-1 (Running), not stopped: Query is not running");
    }

    @Test
    void aConcurrencyLimitStopsTheQueriesAlreadyStartedAndLeavesTheReadingUnread() {
        refused.put("index-eu-west-1", LIMIT);

        MetricsSource.Reading reading = source.read(TWO_REGIONS, clock.instant().plusSeconds(100));

        assertThat(reading.isComplete()).isFalse();
        assertThat(reading.live()).isNull();
        assertThat(reading.unfinished()).containsExactly(
                "index fingerprints query in eu-west-1 refused by Logs Insights: Account maximum query concurrency limit"
                        + " of [30] reached.",
                "counts query counts-us-east-1 in us-east-1 (Scheduled), stopped with it",
                "latency histogram query latency-us-east-1 in us-east-1 (Scheduled), stopped with it",
                "index fingerprints query index-us-east-1 in us-east-1 (Scheduled), stopped with it",
                "egress counts query egress-us-east-1 in us-east-1 (Scheduled), stopped with it",
                "egress age histogram query egress-age-us-east-1 in us-east-1 (Scheduled), stopped with it",
                "partner posts query posts-us-east-1 in us-east-1 (Scheduled), stopped with it",
                "mirrored emissions query mirrored-us-east-1 in us-east-1 (Scheduled), stopped with it",
                "counts query counts-eu-west-1 in eu-west-1 (Scheduled), stopped with it",
                "latency histogram query latency-eu-west-1 in eu-west-1 (Scheduled), stopped with it");
        assertThat(stub.calls("StopQuery")).hasSize(9);
        assertThat(stub.calls("GetQueryResults")).isEmpty();
    }

    @Test
    void aQueryEndingFailedCancelledOrTimeoutStopsItsRunningSiblingsAndLeavesTheReadingUnread() {
        for (String status : List.of("Failed", "Cancelled", "Timeout")) {
            stub.calls.clear();
            answer("counts-us-east-1", RUNNING);
            answer("latency-us-east-1", "{\"status\":\"" + status + "\",\"results\":[]}");
            answer("index-us-east-1", complete());

            MetricsSource.Reading reading = source.read(QUERY, clock.instant().plusSeconds(100));

            assertThat(reading.isComplete()).isFalse();
            assertThat(reading.unfinished()).as(status).containsExactly(
                    "latency histogram query latency-us-east-1 in us-east-1 (" + status + ") ended without results",
                    "counts query counts-us-east-1 in us-east-1 (Running), stopped with it",
                    "index fingerprints query index-us-east-1 in us-east-1 (Scheduled), stopped with it",
                    "egress counts query egress-us-east-1 in us-east-1 (Scheduled), stopped with it",
                    "egress age histogram query egress-age-us-east-1 in us-east-1 (Scheduled), stopped with it",
                    "partner posts query posts-us-east-1 in us-east-1 (Scheduled), stopped with it",
                    "mirrored emissions query mirrored-us-east-1 in us-east-1 (Scheduled), stopped with it");
            assertThat(stub.calls("StopQuery")).extracting(LogsInsightsMetricsSourceTest::queryId)
                    .as("the ended query is not stopped; the others were not yet seen to end").containsExactly(
                            "counts-us-east-1", "index-us-east-1", "egress-us-east-1", "egress-age-us-east-1",
                            "posts-us-east-1", "mirrored-us-east-1");
        }
    }

    @Test
    void aMalformedQueryIsNotRetriedAsThrottling() {
        refused.put("counts-us-east-1", "{\"__type\":\"MalformedQueryException\",\"message\":\"unexpected symbol\"}");

        assertThatThrownBy(() -> source.read(QUERY, clock.instant().plusSeconds(100)))
                .isInstanceOf(MalformedQueryException.class)
                .hasMessageContaining("unexpected symbol");
        assertThat(stub.calls).hasSize(1);
    }

    @Test
    void moreWarmRequestsThanTheCapBecomeEvenlySpacedOrderStatistics() {
        answer("counts-us-east-1", complete(row("version", "42", "n", "30000")));
        answer("latency-us-east-1", complete(
                row("version", "42", "bucket", "500", "n", "15000"),
                row("version", "42", "bucket", "700", "n", "15000")));
        answer("index-us-east-1", complete());

        LiveMetrics live = source.read(QUERY, clock.instant().plusSeconds(100)).live();

        List<Double> canary = live.canary().warmLatencyMs();
        assertThat(canary).hasSize(LogsInsightsMetricsSource.SAMPLE_CAP).isSorted();
        long low = canary.stream().filter(ms -> ms < 200).count();
        assertThat(low).isBetween(4_999L, 5_001L);
        assertThat(live.control().warmLatencyMs()).isEmpty();
        assertThat(live.control().requests()).isZero();
    }

    private StubLogsServer.Reply respond(StubLogsServer.Call call) {
        JsonNode body = Json.parse("request", call.body());
        return switch (call.operation()) {
            case "StartQuery" -> {
                String queryString = body.get("queryString").asText();
                String kind = queryString.contains("shadow_mirrored") ? "mirrored"
                        : queryString.contains("sum(posts)") ? "posts"
                        : queryString.contains("e.age_ms") ? "egress-age"
                        : queryString.contains("unnest") ? "egress"
                        : queryString.contains("retrieval.INDEX_HASH") ? "index"
                        : queryString.contains("bucket") ? "latency" : "counts";
                String queryId = kind + "-" + call.region();
                yield refused.containsKey(queryId) ? new StubLogsServer.Reply(400, refused.get(queryId))
                        : new StubLogsServer.Reply(200, "{\"queryId\":\"" + queryId + "\"}");
            }
            case "GetQueryResults" -> {
                // A query a test gives no answer (an egress query in a live-metrics test) completes with no rows.
                Deque<String> answers = results.getOrDefault(body.get("queryId").asText(), new ArrayDeque<>(List.of(complete())));
                yield new StubLogsServer.Reply(200, answers.size() > 1 ? answers.poll() : answers.peek());
            }
            case "StopQuery" -> new StubLogsServer.Reply(stopAnswer.contains("__type") ? 400 : 200, stopAnswer);
            default -> throw new AssertionError("unexpected call " + call.target());
        };
    }

    private void answer(String queryId, String... bodies) {
        results.put(queryId, new ArrayDeque<>(List.of(bodies)));
    }

    private static String queryId(StubLogsServer.Call call) {
        return Json.parse("request", call.body()).get("queryId").asText();
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
