package dev.ragcanary.cli.rehearse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbShadowSink;
import dev.ragcanary.cli.rehearse.RehearsalReport.EgressPanel;
import dev.ragcanary.cli.rehearse.RehearsalReport.PartnerPosts;
import dev.ragcanary.cli.rehearse.RehearsalReport.UsersEmissions;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.EgressMetrics.ShadowMatch;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.traffic.RouteDecision;
import dev.ragcanary.core.traffic.Variant;
import dev.ragcanary.egress.Egress;
import dev.ragcanary.egress.Emission;
import dev.ragcanary.egress.Webhook;
import dev.ragcanary.local.LocalContext;
import dev.ragcanary.local.fleet.CountedEgress;
import dev.ragcanary.local.fleet.Scenario;
import dev.ragcanary.local.fleet.SimulatedFleet;
import dev.ragcanary.router.TrafficRouter;
import dev.ragcanary.sample.SampleRagHandler;
import dev.ragcanary.testsupport.Dynalite;
import dev.ragcanary.testsupport.PartnerStub;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The sticky users' billing webhook, for real: each routed request is answered by the sample RAG target of the
 * variant served ({@link SampleRagHandler}, the router's event with its variant headers), whose egress library claims
 * the event's dedupe key in the claims table and posts it to a {@link PartnerStub} on a loopback port; a request the
 * router mirrors (the shadow stage) is answered a second time by the canary with {@code x-shadow: true}, which writes
 * the sink. Both tables live in the rehearsal's dynalite; the library's clock is the request's virtual time.
 *
 * <p>What the gate takes from here ({@link CountedEgress}): the partner's duplicates for the keys a window's requests
 * posted, and the shadow match of the window's mirrored requests, read back through the real
 * {@link DynamoDbShadowSink}. The emission volume the gate judges is the fleet's.
 */
final class RehearsalEgress implements CountedEgress, AutoCloseable {
    static final String CLAIMS_TABLE = "rehearsal-egress-claims";
    static final String SINK_TABLE = "rehearsal-egress-sink";
    static final String SINK_INDEX = "byFunctionVersion";
    /** Questions the users ask, in turn: any question is billed the same way. */
    private static final List<String> QUESTIONS = List.of("How do I roll back a canary by hand?",
            "What does the shadow stage compare?", "Which rule stops a rollout at stage one?",
            "How long does a sticky assignment last?");

    /** Every time there is, for the whole rehearsal's figures (the sink's Query takes epoch milliseconds). */
    private static final Instant EVER_FROM = Instant.EPOCH;
    private static final Instant EVER_TO = Instant.ofEpochMilli(Long.MAX_VALUE);

    private final PartnerStub partner;
    private final StickyTraffic.VirtualClock clock;
    private final DynamoDbShadowSink sink;
    private final String region;
    private final Map<Variant, SampleRagHandler> handlers = new LinkedHashMap<>();
    /** Every live emission of the users, in the order they were sent. */
    private final List<Sent> sent = new ArrayList<>();
    private long requests;

    /** One live emission, and whether its request was mirrored. */
    private record Sent(Instant at, Variant served, boolean mirrored, String key, int tries, boolean success,
                        String destination) {
        boolean posted() {
            return Emission.PARTNER.equals(destination) && tries > 0;
        }
    }

    /**
     * Starts the partner stub and creates the claims table and the sink (with its functionVersion/emittedAt index) in
     * {@code dynalite}.
     *
     * @param region the region the users are in: their sink is that region's
     */
    RehearsalEgress(Dynalite dynalite, SimulatedFleet fleet, String functionName, String canaryVersion, String region) {
        dynalite.createTable(CLAIMS_TABLE, "dedupeKey", null);
        dynalite.createEgressSinkTable(SINK_TABLE, SINK_INDEX);
        this.partner = PartnerStub.start();
        this.clock = new StickyTraffic.VirtualClock(Instant.EPOCH);
        this.sink = new DynamoDbShadowSink(r -> dynalite.client(), SINK_TABLE, SINK_INDEX);
        this.region = region;
        Webhook billing = Webhook.of("billing", partner.url("/billing").toString());
        handlers.put(Variant.CONTROL, handler(dynalite, fleet, functionName, Scenario.CONTROL_VERSION, billing));
        handlers.put(Variant.CANARY, handler(dynalite, fleet, functionName, canaryVersion, billing));
    }

    private SampleRagHandler handler(Dynalite dynalite, SimulatedFleet fleet, String functionName, String version,
                                     Webhook billing) {
        return new SampleRagHandler(fleet.sampleRag(version), Egress.builder().dynamoDb(dynalite.client())
                .claimsTable(CLAIMS_TABLE).sinkTable(SINK_TABLE).function(functionName, version).clock(clock).build(),
                billing);
    }

    /** Answers one routed request with the served variant, and its mirrored copy with the canary. */
    synchronized void answer(String user, RouteDecision decision, Variant served, Instant at) {
        long n = ++requests;
        clock.set(at);
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("version", "2.0").put("routeKey", "$default").put("rawPath", "/");
        event.putObject("headers").put("content-type", "application/json");
        event.putObject("requestContext").put("requestId", "rehearsal-" + n).putObject("http").put("method", "POST")
                .put("path", "/");
        event.put("body", Json.compact(Json.MAPPER.createObjectNode().put("question",
                QUESTIONS.get((int) (n % QUESTIONS.size()))))).put("isBase64Encoded", false);
        JsonNode answer = invoke(handlers.get(served), TrafficRouter.routedEvent(event, decision, false));
        for (JsonNode e : answer.path("egress")) {
            sent.add(new Sent(at, served, decision.mirrorToCanary(), e.path("dedupe_key").asText(),
                    e.path("tries").asInt(), e.path("success").asBoolean(), e.path("destination").asText()));
        }
        if (decision.mirrorToCanary()) {
            invoke(handlers.get(Variant.CANARY), TrafficRouter.routedEvent(event, decision, true));
        }
    }

    /** The function's response; an error (an injected upstream failure) answers nothing and emits nothing. */
    private static JsonNode invoke(SampleRagHandler handler, JsonNode event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(Json.compact(event).getBytes(StandardCharsets.UTF_8)), out,
                    new LocalContext("rag-answer", System.err));
            return Json.MAPPER.readTree(out.toByteArray());
        } catch (IOException | RuntimeException failed) {
            return Json.MAPPER.createObjectNode();
        }
    }

    @Override
    public synchronized long partnerDuplicates(Instant from, Instant to) {
        long duplicates = 0;
        for (String key : postedKeys(from, to)) {
            duplicates += Math.max(0, partner.accepted(key) - 1);
        }
        return duplicates;
    }

    @Override
    public synchronized ShadowMatch shadowMatch(MetricsSource.Query query) {
        if (!query.regions().contains(region)) {
            return null;
        }
        return shadowMatch(query.start(), query.end(), query.functionName() + ":" + query.canaryVersionIn(region));
    }

    /**
     * The control's emissions on requests mirrored in {@code [from, to)} against the canary's sink rows of that
     * window, by dedupe key; null when no request was mirrored.
     */
    private ShadowMatch shadowMatch(Instant from, Instant to, String canaryFunctionVersion) {
        Map<String, Long> control = new HashMap<>();
        boolean mirrored = false;
        for (Sent s : sent) {
            if (s.mirrored() && s.served() == Variant.CONTROL && !s.at().isBefore(from) && s.at().isBefore(to)) {
                mirrored = true;
                control.merge(s.key(), 1L, Long::sum);
            }
        }
        if (!mirrored) {
            return null;
        }
        Set<String> written = sink.dedupeKeys(region, canaryFunctionVersion, from, to);
        long emissions = control.values().stream().mapToLong(Long::longValue).sum();
        long matched = control.entrySet().stream().filter(e -> written.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        long extra = written.stream().filter(key -> !control.containsKey(key)).count();
        return new ShadowMatch(emissions, written.size(), matched, emissions - matched, extra);
    }

    private Set<String> postedKeys(Instant from, Instant to) {
        Set<String> keys = new HashSet<>();
        for (Sent s : sent) {
            if (s.posted() && !s.at().isBefore(from) && s.at().isBefore(to)) {
                keys.add(s.key());
            }
        }
        return keys;
    }

    /**
     * The report's panel for the whole rehearsal: the users' emissions per variant served, what the partner stub
     * received for their keys, and the shadow match over every mirrored request.
     */
    synchronized EgressPanel panel(String canaryFunctionVersion) {
        Map<String, UsersEmissions> users = new LinkedHashMap<>();
        for (Variant variant : List.of(Variant.CONTROL, Variant.CANARY)) {
            long emissions = 0;
            long successes = 0;
            long retries = 0;
            long suppressed = 0;
            for (Sent s : sent) {
                if (s.served() != variant) {
                    continue;
                }
                if (Emission.SUPPRESSED.equals(s.destination())) {
                    suppressed++;
                    continue;
                }
                emissions++;
                successes += s.success() ? 1 : 0;
                retries += Math.max(0, s.tries() - 1);
            }
            users.put(variant.label(), new UsersEmissions(emissions, successes, retries, suppressed));
        }
        Set<String> keys = postedKeys(EVER_FROM, EVER_TO);
        Map<Integer, Long> keysByPosts = new TreeMap<>();
        long posts = 0;
        for (String key : keys) {
            int keyPosts = partner.posts(key);
            keysByPosts.merge(keyPosts, 1L, Long::sum);
            posts += keyPosts;
        }
        return new EgressPanel(users, new PartnerPosts(keys.size(), posts, keysByPosts,
                partnerDuplicates(EVER_FROM, EVER_TO)), shadowMatch(EVER_FROM, EVER_TO, canaryFunctionVersion));
    }

    @Override
    public void close() {
        partner.close();
    }
}
