package dev.ragcanary.adapters.metrics;

import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.ShadowSink;
import dev.ragcanary.core.ports.Sleeper;
import dev.ragcanary.core.rag.IndexFingerprint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.EnumSet;
import java.util.Objects;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetQueryResultsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.LimitExceededException;
import software.amazon.awssdk.services.cloudwatchlogs.model.QueryStatus;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResultField;
import software.amazon.awssdk.services.cloudwatchlogs.model.StartQueryRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.StopQueryRequest;

/**
 * Live metrics from the router's telemetry log lines (one JSON line per routed request), read with CloudWatch Logs
 * Insights. CloudWatch percentile statistics cannot feed the statistical judge (they are not samples, and percentiles
 * of different windows do not combine), so this source asks Logs Insights for small aggregates per region:
 *
 * <ol>
 *   <li>counts: {@code stats count(*) by version, failure_class, cache.hit, cache.collision, warm_ping} - requests,
 *   errors per failure class, cache hits and misses, control/canary cache collisions;</li>
 *   <li>a warm latency histogram: {@code stats count(*) by version, cold_start, warm_ping, bucket} with
 *   {@code bucket = floor(ln(latency_ms.tfinal) * 100)}, i.e. 1 % wide log buckets, a few hundred rows per variant
 *   however many requests there were;</li>
 *   <li>index fingerprints: {@code stats count(*) by version, retrieval.INDEX_HASH, retrieval.metric, retrieval.analyzer}.</li>
 * </ol>
 *
 * Every query of every region is started before any is polled, so they run concurrently within the one deadline the
 * caller gives. A query still running at the deadline, or when a sibling is refused, ends unread or fails, is stopped
 * ({@code StopQuery}): an abandoned query would keep counting against the account's concurrent-query quota until it
 * ends on its own. A refused or unread query leaves the reading unfinished (naming it), never an error: Logs Insights
 * trouble says nothing about the canary.
 *
 * <p>The histogram is turned back into samples at bucket centres (every warm request up to {@link #SAMPLE_CAP} per
 * variant, evenly spaced order statistics beyond it), which is what the rank and order-statistic intervals need, at
 * 1 % resolution. Boolean fields are filtered here rather than in the query so "true", "1" and "false", "0" all work.
 *
 * <p>Telemetry fields read: {@code function}, {@code alias}, {@code version} (the function version that served the
 * request, numbered in its region: a row is control or canary by the versions of the region its query ran in),
 * {@code cold_start}, {@code warm_ping}, {@code failure_class} (absent on success), {@code latency_ms.tfinal},
 * {@code cache.hit}, {@code cache.collision}, and {@code retrieval.INDEX_HASH}, {@code retrieval.metric},
 * {@code retrieval.analyzer} for fingerprints.
 *
 * <p>Four more queries per region read the {@code egress}
 * array the router copies into the line (contract C: one object per emission). Logs Insights flattens a JSON array of
 * objects into numbered fields ({@code egress.0.webhook}, ...) that cannot be aggregated over, so each query parses the
 * line ({@code jsonParse(@message)}) and turns the array into one record per emission ({@code unnest}) before
 * {@code stats}:
 * <ol>
 *   <li>egress counts: {@code stats count(*) by version, shadow, destination, success, tries};</li>
 *   <li>an egress age histogram: the same 1 % log buckets as latency, of {@code age_ms};</li>
 *   <li>partner posts: posts per dedupe key, then {@code sum(posts)} and {@code count(*)} of keys (two {@code stats}):
 *   their difference is the extra posts a partner received;</li>
 *   <li>mirrored keys: the control's emissions on lines with {@code "shadow_mirrored":true}, per dedupe key with the
 *   latest time, matched against the shadow emissions the canary wrote to the sink ({@link ShadowSink}).</li>
 * </ol>
 * At the shadow stage ({@link Query#shadowStage()}) no user reaches the canary: only the last two run, and the reading
 * has egress figures only.
 */
public final class LogsInsightsMetricsSource implements MetricsSource {
    public static final int SAMPLE_CAP = 10_000;
    /** Logs Insights returns at most this many rows; a histogram that fills it may be cut, so it is refused. */
    static final int MAX_ROWS = 10_000;
    static final int BUCKETS_PER_UNIT_LOG = 100;

    /**
     * A shadow emission lands after the control's answer (the router mirrors asynchronously): control emissions this
     * close to the window's end are not counted as missing, nor sink rows this close to its start as extra.
     */
    static final Duration SHADOW_GRACE = Duration.ofSeconds(60);

    /** The queries run per region: all of them, or at the shadow stage only partner posts and mirrored emissions. */
    enum Kind {
        COUNTS("counts"), LATENCY("latency histogram"), FINGERPRINTS("index fingerprints"),
        EGRESS_COUNTS("egress counts"), EGRESS_AGE("egress age histogram"), PARTNER_POSTS("partner posts"),
        MIRRORED_KEYS("mirrored emissions");

        /** What the shadow rules judge: no user reaches the canary at the shadow stage. */
        static final Set<Kind> SHADOW_STAGE = EnumSet.of(PARTNER_POSTS, MIRRORED_KEYS);

        static Set<Kind> of(Query q) {
            return q.shadowStage() ? SHADOW_STAGE : EnumSet.allOf(Kind.class);
        }

        final String label;

        Kind(String label) {
            this.label = label;
        }

        String queryString(Query q) {
            return switch (this) {
                case COUNTS -> countsQuery(q);
                case LATENCY -> latencyQuery(q);
                case FINGERPRINTS -> fingerprintQuery(q);
                case EGRESS_COUNTS -> egressCountsQuery(q);
                case EGRESS_AGE -> egressAgeQuery(q);
                case PARTNER_POSTS -> partnerPostsQuery(q);
                case MIRRORED_KEYS -> mirroredKeysQuery(q);
            };
        }
    }

    /** A started query: what it asks, where, and the status it last reported. */
    private static final class Started {
        final Kind kind;
        final String region;
        final CloudWatchLogsClient client;
        final String queryId;
        String status = QueryStatus.SCHEDULED.toString();

        Started(Kind kind, String region, CloudWatchLogsClient client, String queryId) {
            this.kind = kind;
            this.region = region;
            this.client = client;
            this.queryId = queryId;
        }

        String describe() {
            return kind.label + " query " + queryId + " in " + region + " (" + status + ")";
        }

        boolean mayBeRunning() {
            return status.equals(QueryStatus.SCHEDULED.toString()) || status.equals(QueryStatus.RUNNING.toString());
        }

        /** Ended Failed, Cancelled, Timeout or Unknown: it will never have rows. */
        boolean endedUnread() {
            return !mayBeRunning() && !status.equals(QueryStatus.COMPLETE.toString());
        }
    }

    private final Function<String, CloudWatchLogsClient> clientsByRegion;
    private final String logGroup;
    private final Duration pollInterval;
    private final Sleeper sleeper;
    private final Clock clock;
    private final ShadowSink sink;

    /**
     * @param clientsByRegion Logs client for a region (telemetry stays in the region that served it)
     * @param logGroup        the router's log group, the same name in every region
     * @param sink            the canary sink, where shadow emissions are matched against the control's
     */
    public LogsInsightsMetricsSource(Function<String, CloudWatchLogsClient> clientsByRegion, String logGroup,
                                     Duration pollInterval, Sleeper sleeper, Clock clock, ShadowSink sink) {
        this.clientsByRegion = clientsByRegion;
        this.logGroup = logGroup;
        this.pollInterval = pollInterval;
        this.sleeper = sleeper;
        this.clock = clock;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public Reading read(Query query, Instant deadline) {
        List<Started> started = new ArrayList<>();
        Map<Started, List<Map<String, String>>> finished = new LinkedHashMap<>();
        try {
            for (String region : query.regions()) {
                CloudWatchLogsClient client = clientsByRegion.apply(region);
                for (Kind kind : Kind.of(query)) {
                    try {
                        started.add(new Started(kind, region, client, start(client, kind.queryString(query), query)));
                    } catch (LimitExceededException e) {
                        return abandoned(kind.label + " query in " + region + " refused by Logs Insights: "
                                + e.awsErrorDetails().errorMessage(), started, finished);
                    }
                }
            }
            while (true) {
                for (Started q : started) {
                    if (!finished.containsKey(q)) {
                        poll(q).ifPresent(rows -> finished.put(q, rows));
                        if (q.endedUnread()) {
                            return abandoned(q.describe() + " ended without results", started, finished);
                        }
                    }
                }
                if (finished.size() == started.size()) {
                    return query.shadowStage() ? Reading.complete(null, Map.of(), egress(query, finished))
                            : Reading.complete(live(query, finished), fingerprints(query, finished), egress(query, finished));
                }
                Duration left = Duration.between(clock.instant(), deadline);
                if (left.isNegative() || left.isZero()) {
                    return Reading.unfinished(stopUnfinished(started, finished, "at the deadline"));
                }
                sleeper.sleep(left.compareTo(pollInterval) < 0 ? left : pollInterval);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw stopAfter(new IllegalStateException("interrupted while waiting for Logs Insights queries", e),
                    started, finished);
        } catch (RuntimeException e) {
            throw stopAfter(e, started, finished);
        }
    }

    static String fingerprintQuery(Query q) {
        return scope(q) + "\n| stats count(*) as n by version, retrieval.INDEX_HASH, retrieval.metric, retrieval.analyzer";
    }

    static String countsQuery(Query q) {
        return scope(q) + "\n| stats count(*) as n by version, failure_class, cache.hit, cache.collision, warm_ping";
    }

    static String latencyQuery(Query q) {
        return scope(q) + " and ispresent(latency_ms.tfinal)"
                + "\n| fields version, cold_start, warm_ping, floor(log(greatest(latency_ms.tfinal, 1)) * "
                + BUCKETS_PER_UNIT_LOG + ") as bucket"
                + "\n| stats count(*) as n by version, cold_start, warm_ping, bucket";
    }

    static String egressCountsQuery(Query q) {
        return emissions(scope(q))
                + "\n| fields version, e.shadow as shadow, e.destination as destination, e.success as success, e.tries as tries"
                + "\n| stats count(*) as n by version, shadow, destination, success, tries";
    }

    static String egressAgeQuery(Query q) {
        return emissions(scope(q)) + " and ispresent(e.age_ms)"
                + "\n| fields version, e.shadow as shadow, e.destination as destination, e.success as success, "
                + "floor(log(greatest(e.age_ms, 1)) * " + BUCKETS_PER_UNIT_LOG + ") as bucket"
                + "\n| stats count(*) as n by version, shadow, destination, success, bucket";
    }

    static String partnerPostsQuery(Query q) {
        return emissions(scope(q)) + " and e.destination = \"partner\" and e.tries > 0"
                + "\n| stats count(*) as posts by e.dedupe_key"
                + "\n| stats sum(posts) as posts, count(*) as keys";
    }

    static String mirroredKeysQuery(Query q) {
        return emissions(scope(q) + " and @message like /\"shadow_mirrored\":true/")
                + "\n| fields version, e.dedupe_key as key, e.shadow as shadow, toMillis(@timestamp) as at"
                + "\n| stats count(*) as n, max(at) as last by version, key, shadow";
    }

    /** One record per element of the line's {@code egress} array (contract C), each as {@code e}. */
    private static String emissions(String scope) {
        return scope + "\n| fields jsonParse(@message) as line\n| unnest line.egress into e\n| filter ispresent(e.dedupe_key)";
    }

    private static String scope(Query q) {
        return "filter function = " + quote(q.functionName()) + " and alias = " + quote(q.alias());
    }

    private String start(CloudWatchLogsClient client, String queryString, Query q) {
        return client.startQuery(StartQueryRequest.builder()
                .logGroupNames(logGroup)
                .startTime(q.start().getEpochSecond())
                .endTime(q.end().getEpochSecond())
                .queryString(queryString)
                .limit(MAX_ROWS)
                .build()).queryId();
    }

    /** One GetQueryResults: the rows once complete, else empty (the status it reported is kept on {@code q}). */
    private static Optional<List<Map<String, String>>> poll(Started q) {
        GetQueryResultsResponse r = q.client.getQueryResults(GetQueryResultsRequest.builder().queryId(q.queryId).build());
        q.status = r.statusAsString();
        return r.status() == QueryStatus.COMPLETE ? Optional.of(rows(r.results())) : Optional.empty();
    }

    /**
     * A query Logs Insights refused (the account's concurrent-query quota) or that ended Failed, Cancelled or Timeout
     * says nothing about the canary: the reading is unread, naming {@code cause} and the siblings stopped with it, so
     * the gate bakes again rather than rolls back. Waiting for the siblings would not make the reading whole.
     */
    private static Reading abandoned(String cause, List<Started> started, Map<Started, ?> finished) {
        List<String> unread = new ArrayList<>();
        unread.add(cause);
        unread.addAll(stopUnfinished(started, finished, "with it"));
        return Reading.unfinished(unread);
    }

    /** Stops every query that may still be running; what each was doing, and a stop that failed, name it. */
    private static List<String> stopUnfinished(List<Started> started, Map<Started, ?> finished, String when) {
        List<String> unfinished = new ArrayList<>();
        for (Started q : started) {
            if (!finished.containsKey(q) && q.mayBeRunning()) {
                try {
                    stop(q);
                    unfinished.add(q.describe() + ", stopped " + when);
                } catch (SdkException e) {
                    unfinished.add(q.describe() + ", not stopped: " + e.getMessage());
                }
            }
        }
        return unfinished;
    }

    /** Stops the siblings of a failure still running; a stop that fails too is added to it, never hides it. */
    private static RuntimeException stopAfter(RuntimeException failure, List<Started> started, Map<Started, ?> finished) {
        for (Started q : started) {
            if (!finished.containsKey(q) && q.mayBeRunning()) {
                try {
                    stop(q);
                } catch (SdkException e) {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }

    /** StopQuery answers an error for a query that already ended (it may end between our poll and the stop). */
    private static void stop(Started q) {
        q.client.stopQuery(StopQueryRequest.builder().queryId(q.queryId).build());
    }

    private static LiveMetrics live(Query query, Map<Started, List<Map<String, String>>> finished) {
        Tally control = new Tally();
        Tally canary = new Tally();
        long collisions = 0;
        for (Map.Entry<Started, List<Map<String, String>>> result : finished.entrySet()) {
            if (result.getKey().kind == Kind.COUNTS) {
                for (Map<String, String> row : result.getValue()) {
                    long n = Long.parseLong(row.getOrDefault("n", "0"));
                    if (isTrue(row.get("cache.collision"))) {
                        collisions += n;
                    }
                    Tally t = tallyFor(row.get("version"), query, result.getKey().region, control, canary);
                    if (t != null && !isTrue(row.get("warm_ping"))) {
                        t.count(n, row.get("failure_class"), row.get("cache.hit"));
                    }
                }
            } else if (result.getKey().kind == Kind.LATENCY) {
                if (result.getValue().size() >= MAX_ROWS) {
                    throw new IllegalStateException("latency histogram in " + result.getKey().region + " reached the "
                            + MAX_ROWS + "-row limit of Logs Insights; it may be incomplete");
                }
                for (Map<String, String> row : result.getValue()) {
                    Tally t = tallyFor(row.get("version"), query, result.getKey().region, control, canary);
                    if (t != null && !isTrue(row.get("cold_start")) && !isTrue(row.get("warm_ping")) && row.get("bucket") != null) {
                        t.latency.add((int) Double.parseDouble(row.get("bucket")), Long.parseLong(row.get("n")));
                    }
                }
            }
        }
        return new LiveMetrics(control.metrics(), canary.metrics(), collisions);
    }

    /** The egress figures of every region, summed per variant; the shadow match uses the sink. */
    private EgressMetrics egress(Query query, Map<Started, List<Map<String, String>>> finished) {
        EgressTally control = new EgressTally();
        EgressTally canary = new EgressTally();
        long duplicates = 0;
        long mirroredControl = 0;
        long matched = 0;
        long shadowEmissions = 0;
        long extra = 0;
        boolean shadowKnown = true;
        Instant settled = query.end().minus(SHADOW_GRACE);
        for (Map.Entry<Started, List<Map<String, String>>> result : finished.entrySet()) {
            Started q = result.getKey();
            for (Map<String, String> row : result.getValue()) {
                String variant = variantOf(row.get("version"), query, q.region);
                EgressTally t = variant == null ? null : variant.equals("canary") ? canary : control;
                long n = Long.parseLong(row.getOrDefault("n", "0"));
                switch (q.kind) {
                    case EGRESS_COUNTS -> {
                        if (t != null && !isTrue(row.get("shadow"))) {
                            t.count(n, row.get("destination"), isTrue(row.get("success")), row.get("tries"));
                        }
                    }
                    case EGRESS_AGE -> {
                        if (t != null && !isTrue(row.get("shadow")) && isTrue(row.get("success"))
                                && !"suppressed".equals(row.get("destination")) && row.get("bucket") != null) {
                            t.ages.add((int) Double.parseDouble(row.get("bucket")), n);
                        }
                    }
                    case PARTNER_POSTS -> duplicates += Long.parseLong(row.getOrDefault("posts", "0"))
                            - Long.parseLong(row.getOrDefault("keys", "0"));
                    default -> {
                    }
                }
            }
            if (q.kind == Kind.MIRRORED_KEYS) {
                if (result.getValue().size() >= MAX_ROWS) {
                    shadowKnown = false; // a cut key list cannot tell extra shadow emissions from unlisted keys
                    continue;
                }
                Map<String, Long> settledKeys = new HashMap<>();
                Set<String> allKeys = new HashSet<>();
                for (Map<String, String> row : result.getValue()) {
                    if (!"control".equals(variantOf(row.get("version"), query, q.region)) || isTrue(row.get("shadow"))
                            || row.get("key") == null) {
                        continue;
                    }
                    allKeys.add(row.get("key"));
                    if (Instant.ofEpochMilli((long) Double.parseDouble(row.getOrDefault("last", "0"))).isBefore(settled)) {
                        settledKeys.merge(row.get("key"), Long.parseLong(row.get("n")), Long::sum);
                    }
                }
                String canaryVersion = query.functionName() + ":" + query.canaryVersionIn(q.region);
                Set<String> written = sink.dedupeKeys(q.region, canaryVersion, query.start(), query.end());
                Set<String> counted = sink.dedupeKeys(q.region, canaryVersion, query.start().plus(SHADOW_GRACE), query.end());
                for (Map.Entry<String, Long> key : settledKeys.entrySet()) {
                    mirroredControl += key.getValue();
                    matched += written.contains(key.getKey()) ? key.getValue() : 0;
                }
                shadowEmissions += counted.size();
                extra += counted.stream().filter(k -> !allKeys.contains(k)).count();
            }
        }
        EgressMetrics.ShadowMatch shadow = shadowKnown ? new EgressMetrics.ShadowMatch(mirroredControl, shadowEmissions,
                matched, mirroredControl - matched, extra) : null;
        return new EgressMetrics(control.metrics(), canary.metrics(), duplicates, shadow);
    }

    /** Per variant and region, the most frequent fingerprint its responses reported. */
    private static Map<String, Map<String, IndexFingerprint>> fingerprints(Query query,
                                                                         Map<Started, List<Map<String, String>>> finished) {
        Map<String, Map<String, IndexFingerprint>> byVariant = new TreeMap<>();
        finished.forEach((q, rows) -> {
            if (q.kind != Kind.FINGERPRINTS) {
                return;
            }
            Map<String, Map<IndexFingerprint, Long>> seen = new HashMap<>();
            for (Map<String, String> row : rows) {
                String variant = variantOf(row.get("version"), query, q.region);
                if (variant != null && row.get("retrieval.INDEX_HASH") != null) {
                    IndexFingerprint f = new IndexFingerprint(row.get("retrieval.INDEX_HASH"), row.get("retrieval.metric"),
                            row.get("retrieval.analyzer"));
                    seen.computeIfAbsent(variant, v -> new HashMap<>()).merge(f, Long.parseLong(row.get("n")), Long::sum);
                }
            }
            seen.forEach((variant, counts) -> byVariant.computeIfAbsent(variant, v -> new TreeMap<>()).put(q.region,
                    counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey()));
        });
        return byVariant;
    }

    private static List<Map<String, String>> rows(List<List<ResultField>> results) {
        List<Map<String, String>> rows = new ArrayList<>(results.size());
        for (List<ResultField> fields : results) {
            Map<String, String> row = new HashMap<>();
            fields.forEach(f -> row.put(f.field(), f.value()));
            rows.add(row);
        }
        return rows;
    }

    private static Tally tallyFor(String version, Query q, String region, Tally control, Tally canary) {
        String variant = variantOf(version, q, region);
        return variant == null ? null : variant.equals("canary") ? canary : control;
    }

    /**
     * "canary", "control" or null (another version) for a row of {@code region}'s telemetry, by that region's versions:
     * the router logs the version it ran there, and Lambda numbers versions per region.
     */
    private static String variantOf(String version, Query q, String region) {
        if (q.canaryVersionIn(region).equals(version)) {
            return "canary";
        }
        return q.controlVersionIn(region).equals(version) ? "control" : null;
    }

    private static boolean isTrue(String value) {
        return "true".equalsIgnoreCase(value) || "1".equals(value);
    }

    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** One variant's counts and latency histogram, summed over regions. */
    private static final class Tally {
        long requests;
        long errors;
        long cacheHits;
        long cacheMisses;
        final Map<String, Long> failureClasses = new HashMap<>();
        final Histogram latency = new Histogram();

        void count(long n, String failureClass, String cacheHit) {
            requests += n;
            if (failureClass != null && !failureClass.isBlank()) {
                errors += n;
                failureClasses.merge(failureClass, n, Long::sum);
            }
            if (isTrue(cacheHit)) {
                cacheHits += n;
            } else if ("false".equalsIgnoreCase(cacheHit) || "0".equals(cacheHit)) {
                cacheMisses += n;
            }
        }

        LiveMetrics.VariantMetrics metrics() {
            return new LiveMetrics.VariantMetrics(requests, errors, failureClasses, latency.samples(), null, null, cacheHits,
                    cacheMisses);
        }
    }

    /** One variant's live emissions and age histogram, summed over regions. */
    private static final class EgressTally {
        long emissions;
        long successes;
        long suppressed;
        final Map<Integer, Long> tries = new TreeMap<>();
        final Histogram ages = new Histogram();

        void count(long n, String destination, boolean success, String triesMade) {
            if ("suppressed".equals(destination)) {
                suppressed += n;
                return;
            }
            emissions += n;
            successes += success ? n : 0;
            if (triesMade != null && !triesMade.isBlank()) {
                tries.merge((int) Double.parseDouble(triesMade), n, Long::sum);
            }
        }

        EgressMetrics.VariantEgress metrics() {
            return new EgressMetrics.VariantEgress(emissions, successes, tries, ages.samples(), suppressed);
        }
    }

    /** Counts in 1 % wide log buckets, turned back into samples at bucket centres. */
    private static final class Histogram {
        final TreeMap<Integer, Long> buckets = new TreeMap<>();

        void add(int bucket, long n) {
            buckets.merge(bucket, n, Long::sum);
        }

        /** Bucket centres, one per sample up to the cap, evenly spaced order statistics beyond it. */
        List<Double> samples() {
            long total = buckets.values().stream().mapToLong(Long::longValue).sum();
            int size = (int) Math.min(total, SAMPLE_CAP);
            List<Double> out = new ArrayList<>(size);
            var entries = buckets.entrySet().iterator();
            Map.Entry<Integer, Long> bucket = null;
            long bucketEnd = 0; // ranks [bucketEnd - count, bucketEnd) fall in the current bucket
            for (int i = 0; i < size; i++) {
                long rank = size == total ? i : Math.round(i * (total - 1) / (double) (size - 1));
                while (rank >= bucketEnd) {
                    bucket = entries.next();
                    bucketEnd += bucket.getValue();
                }
                out.add(Math.exp((bucket.getKey() + 0.5) / BUCKETS_PER_UNIT_LOG));
            }
            return out;
        }
    }
}
