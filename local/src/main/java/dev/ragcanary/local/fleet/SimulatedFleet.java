package dev.ragcanary.local.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.EgressMetrics.VariantEgress;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.FunctionVersions;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.egress.RetryPolicy;
import dev.ragcanary.sample.SampleRag;
import dev.ragcanary.sample.SampleRagConfig;
import dev.ragcanary.sample.SampleRagTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * The RAG function's fleet as a scenario describes it, in-process: its Lambda alias per region (with RevisionId and
 * the scenario's throttling, stage by stage: {@link #throttling()}), its published versions, the live metrics its router telemetry would show for a window,
 * and its two versions as a {@link ProbeTarget} backed by the real sample RAG target. The live metrics follow the
 * alias: the canary's share of a region's requests is the share of sticky users whose bucket falls under that
 * region's canary weight. Egress: the volume (one billing emission per answered request, with the scenario's
 * failures, retries and ages per variant) is synthesized like the live metrics; partner duplicates and the shadow
 * match are only ever counted from real posts ({@link #countEgress}).
 */
public final class SimulatedFleet implements AliasControl, FunctionVersions, MetricsSource {
    /** The execution role both versions run with: the same, as a weighted alias requires. */
    private static final String ROLE = "arn:aws:iam::123456789012:role/rag-answer";
    /** Raw warm-latency samples kept per variant and window; a uniform subsample beyond this (the judge's input size). */
    static final int MAX_LATENCY_SAMPLES = 20_000;
    /** Age samples kept per variant and window: the age rule needs 200; more only makes the evidence heavier. */
    static final int MAX_AGE_SAMPLES = 5_000;
    private static final double Z95 = 1.6448536;
    private static final String STICKY_SALT = "simulated-fleet";

    private final Scenario scenario;
    private final List<String> regions;
    private final Map<String, AliasState> aliases = new LinkedHashMap<>();
    private final int[] userBuckets;
    private final SampleRag controlRag;
    private final SampleRag canaryRag;
    private final ControlPlaneThrottling throttling;
    private volatile CountedEgress counted = CountedEgress.NONE;
    private int revision;
    /** Version -> the largest share of traffic an alias update ever gave it. */
    private final Map<String, Double> maxWeightEver = new LinkedHashMap<>();

    public SimulatedFleet(Scenario scenario, List<String> regions) {
        this.scenario = scenario;
        this.regions = List.copyOf(regions);
        for (String region : regions) {
            aliases.put(region, new AliasState(Scenario.CONTROL_VERSION, Map.of(), nextRevision()));
        }
        this.userBuckets = new int[scenario.traffic().stickyUsers()];
        for (int i = 0; i < userBuckets.length; i++) {
            userBuckets[i] = StickyBucket.bucket(STICKY_SALT, "user-" + i);
        }
        Arrays.sort(userBuckets);
        this.controlRag = new SampleRag(ragConfig(scenario.control()));
        this.canaryRag = new SampleRag(ragConfig(scenario.canary()));
        this.throttling = new ControlPlaneThrottling(scenario.controlPlane().throttling());
    }

    /** Where the gate's partner duplicates and shadow match come from: real requests' posts and sink writes. */
    public void countEgress(CountedEgress counted) {
        this.counted = counted;
    }

    /** The scenario's control-plane throttling: told which stage runs, it throttles aliases here and DynamoDB calls. */
    public ControlPlaneThrottling throttling() {
        return throttling;
    }

    /** A variant's sample RAG configuration: the defaults with the scenario's {@code rag} fields laid over them. */
    static SampleRagConfig ragConfig(Scenario.Variant variant) {
        Map<String, JsonNode> overrides = new LinkedHashMap<>();
        variant.rag().fields().forEachRemaining(e -> overrides.put(e.getKey(), e.getValue()));
        return SampleRagConfig.DEFAULTS.with(overrides);
    }

    // ---- AliasControl ----

    @Override
    public synchronized AliasState read(String region, String functionName, String alias) {
        throwIfThrottled("GetAlias");
        return aliasIn(region);
    }

    @Override
    public synchronized AliasState update(String region, String functionName, String alias, String functionVersion,
                                          Map<String, Double> additionalVersionWeights, String expectedRevisionId) {
        throwIfThrottled("UpdateAlias");
        AliasState current = aliasIn(region);
        if (expectedRevisionId != null && !expectedRevisionId.equals(current.revisionId())) {
            throw new StaleRevisionException("The Revision Id provided does not match the latest Revision Id of alias "
                    + alias + " in " + region);
        }
        AliasState next = new AliasState(functionVersion, additionalVersionWeights, nextRevision());
        aliases.put(region, next);
        next.additionalVersionWeights().forEach((version, weight) -> maxWeightEver.merge(version, weight, Math::max));
        double routedElsewhere = next.additionalVersionWeights().values().stream().mapToDouble(Double::doubleValue).sum();
        maxWeightEver.merge(functionVersion, 1 - routedElsewhere, Math::max);
        return next;
    }

    /** What Lambda answers a throttled control plane call: HTTP 429, TooManyRequestsException. */
    private void throwIfThrottled(String call) {
        if (throttling.throttles(call)) {
            throw new AliasControl.ThrottledException("Rate exceeded (simulated " + call + " throttling)");
        }
    }

    /** The alias in every region, as the test or the rehearsal sees it now. */
    public synchronized Map<String, AliasState> aliases() {
        return Map.copyOf(aliases);
    }

    /**
     * The largest share of traffic an alias update ever gave {@code version} (1 once an alias pointed at it with no
     * routing): 0 means no user request could have reached it through an update.
     */
    public synchronized double maxWeightEver(String version) {
        return maxWeightEver.getOrDefault(version, 0.0);
    }

    private AliasState aliasIn(String region) {
        AliasState state = aliases.get(region);
        if (state == null) {
            throw new IllegalArgumentException("the simulated fleet runs in " + regions + ", not in " + region);
        }
        return state;
    }

    private String nextRevision() {
        return "rev-" + (++revision);
    }

    // ---- FunctionVersions ----

    /** The two versions of the scenario, published and ready in every region of the fleet. */
    @Override
    public Optional<VersionConfiguration> configuration(String region, String functionName, String version) {
        boolean published = regions.contains(region)
                && (Scenario.CONTROL_VERSION.equals(version) || Scenario.CANARY_VERSION.equals(version));
        return published ? Optional.of(VersionConfiguration.ready(version, ROLE, null)) : Optional.empty();
    }

    // ---- MetricsSource ----

    /** Reads instantly, so always complete. */
    @Override
    public synchronized Reading read(Query query, Instant deadline) {
        if (query.shadowStage()) {
            EgressMetrics.ShadowMatch shadow = counted.shadowMatch(query);
            return Reading.complete(null, Map.of(), shadow == null ? null : new EgressMetrics(VariantEgress.NONE,
                    VariantEgress.NONE, counted.partnerDuplicates(query.start(), query.end()), shadow));
        }
        double seconds = Math.max(0, Duration.between(query.start(), query.end()).toMillis() / 1000.0);
        long controlRequests = 0;
        long canaryRequests = 0;
        for (String region : query.regions()) {
            long requests = Math.round(scenario.traffic().requestsPerSecond() * seconds);
            AliasState alias = aliasIn(region);
            String canary = query.canaryVersionIn(region);
            // Once promoted, the alias serves the canary to everyone.
            long onCanary = alias.functionVersion().equals(canary) ? requests
                    : Math.round(requests * canaryUserShare(alias.weightOf(canary)));
            canaryRequests += onCanary;
            controlRequests += requests - onCanary;
        }
        Random random = new Random(scenario.seed() ^ query.start().getEpochSecond() ^ query.regions().hashCode());
        LiveMetrics.VariantMetrics control = variantMetrics(scenario.control(), controlRequests, random);
        LiveMetrics.VariantMetrics canary = variantMetrics(scenario.canary(), canaryRequests, random);
        EgressMetrics egress = new EgressMetrics(
                egress(scenario.control().egress(), control.requests() - control.errors(), random),
                egress(scenario.canary().egress(), canary.requests() - canary.errors(), random),
                counted.partnerDuplicates(query.start(), query.end()), null);
        return Reading.complete(new LiveMetrics(control, canary, cacheCollisions(query, seconds)), fingerprints(query),
                egress);
    }

    /**
     * One billing emission per answered request: a failed one made every try the library allows, a retried one two,
     * the rest one; ages of the accepted ones (a uniform subsample beyond {@link #MAX_AGE_SAMPLES}).
     */
    private static VariantEgress egress(Scenario.Egress egress, long emissions, Random random) {
        long failed = binomial(emissions, egress.failureRate(), random);
        long accepted = emissions - failed;
        long retried = binomial(accepted, egress.retryRate(), random);
        Map<Integer, Long> tries = new TreeMap<>();
        tries.put(1, accepted - retried);
        tries.put(2, retried);
        tries.put(RetryPolicy.DEFAULT.maxTries(), failed);
        tries.values().removeIf(n -> n == 0);
        return new VariantEgress(emissions, accepted, tries,
                logNormal(egress.ageMs(), (int) Math.min(accepted, MAX_AGE_SAMPLES), random), 0);
    }

    /** Collisions between the variants' cache invalidations, once the canary's weight reaches the scenario's mark. */
    private long cacheCollisions(Query query, double seconds) {
        Double from = scenario.canary().cacheCollisionsFromWeight();
        double weight = query.regions().stream().mapToDouble(r -> aliasIn(r).weightOf(query.canaryVersionIn(r)))
                .max().orElse(0);
        return from == null || weight < from - 1e-9 ? 0 : Math.max(1, (long) Math.ceil(seconds / 3600));
    }

    /** Share of sticky users whose bucket is under {@code weight}: who the router sends to the canary. */
    double canaryUserShare(double weight) {
        if (userBuckets.length == 0) {
            return 0;
        }
        int threshold = (int) Math.round(weight * 10_000);
        int index = Arrays.binarySearch(userBuckets, threshold);
        int below = index >= 0 ? firstAtOrAbove(index, threshold) : -index - 1;
        return (double) below / userBuckets.length;
    }

    private int firstAtOrAbove(int index, int threshold) {
        int i = index;
        while (i > 0 && userBuckets[i - 1] >= threshold) {
            i--;
        }
        return i;
    }

    private static LiveMetrics.VariantMetrics variantMetrics(Scenario.Variant variant, long requests, Random random) {
        long errors = binomial(requests, variant.errorRate(), random);
        Map<String, Long> classes = split(errors, variant.failureClasses());
        List<Double> latency = logNormal(variant.latencyMs(), (int) Math.min(requests - errors, MAX_LATENCY_SAMPLES),
                random);
        long hits = binomial(requests - errors, variant.cacheHitRatio(), random);
        return new LiveMetrics.VariantMetrics(requests, errors, classes, latency, null, null, hits, requests - errors - hits);
    }

    /** {@code samples} draws of a log-normal with the given median and p95. */
    private static List<Double> logNormal(Scenario.Latency latency, int samples, Random random) {
        double mu = Math.log(latency.median());
        double sigma = Math.log(latency.p95() / latency.median()) / Z95;
        List<Double> out = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) {
            out.add(Math.exp(mu + sigma * random.nextGaussian()));
        }
        return out;
    }

    private static long binomial(long n, double p, Random random) {
        if (n == 0 || p <= 0) {
            return 0;
        }
        double mean = n * p;
        double draw = Math.round(mean + Math.sqrt(mean * (1 - p)) * random.nextGaussian());
        return (long) Math.max(0, Math.min(n, draw));
    }

    /** Splits {@code count} over the classes by their shares (largest remainder), so the parts add up. */
    private static Map<String, Long> split(long count, Map<String, Double> shares) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (count == 0) {
            return out;
        }
        double total = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        long assigned = 0;
        List<Map.Entry<String, Double>> entries = new ArrayList<>(shares.entrySet());
        entries.sort(Map.Entry.comparingByKey());
        for (Map.Entry<String, Double> e : entries) {
            long part = (long) Math.floor(count * e.getValue() / total);
            out.put(e.getKey(), part);
            assigned += part;
        }
        for (int i = 0; assigned < count; i = (i + 1) % entries.size(), assigned++) {
            out.merge(entries.get(i).getKey(), 1L, Long::sum);
        }
        out.values().removeIf(v -> v == 0);
        return out;
    }

    // ---- index fingerprints and probes ----

    /** What each version's responses report as their index in the query's regions. */
    private Map<String, Map<String, IndexFingerprint>> fingerprints(Query query) {
        Map<String, Map<String, IndexFingerprint>> out = new LinkedHashMap<>();
        out.put("control", fingerprints(controlRag, scenario.control(), query.regions()));
        out.put("canary", fingerprints(canaryRag, scenario.canary(), query.regions()));
        return out;
    }

    private static Map<String, IndexFingerprint> fingerprints(SampleRag rag, Scenario.Variant variant, List<String> inRegions) {
        Map<String, IndexFingerprint> out = new LinkedHashMap<>();
        IndexFingerprint own = rag.fingerprint();
        for (String region : inRegions) {
            String hash = variant.indexHashByRegion().getOrDefault(region, own.indexHash());
            out.put(region, new IndexFingerprint(hash, own.metric(), own.analyzer()));
        }
        return out;
    }

    /** The sample RAG target a version of the scenario runs (control or canary), as the probes reach it. */
    public SampleRag sampleRag(String version) {
        return Scenario.CANARY_VERSION.equals(version) ? canaryRag : controlRag;
    }

    /** The canary's real index fingerprint, for a start input's expectedIndex. */
    public IndexFingerprint canaryIndex() {
        return canaryRag.fingerprint();
    }

    /**
     * Control and canary versions answering probes through the real sample RAG target; the canary breaks the response
     * contract (no {@code retrieved} list) for the scenario's share of (question, seed) pairs.
     */
    public ProbeTarget probeTarget() {
        SampleRagTarget target = new SampleRagTarget(Map.of(Scenario.CONTROL_VERSION, controlRag, Scenario.CANARY_VERSION, canaryRag));
        double violations = scenario.canary().schemaViolationRate();
        return (version, payload, timeout) -> {
            ProbeTarget.Invocation invocation = target.invoke(version, payload, timeout);
            if (Scenario.CANARY_VERSION.equals(version) && invocation.response() instanceof ObjectNode response
                    && breaksContract(payload, violations)) {
                ObjectNode broken = response.deepCopy();
                broken.remove("retrieved");
                return new ProbeTarget.Invocation(broken, invocation.latencyMs(), null);
            }
            return invocation;
        };
    }

    private static boolean breaksContract(JsonNode payload, double share) {
        if (share <= 0) {
            return false;
        }
        int hash = (payload.path("question").asText() + "#" + payload.path("seed").asText()).hashCode();
        return Math.floorMod(hash, 10_000) < share * 10_000;
    }
}
