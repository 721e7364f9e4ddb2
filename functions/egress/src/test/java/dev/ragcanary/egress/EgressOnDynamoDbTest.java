package dev.ragcanary.egress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.PartnerStub;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The library against dynalite's real conditional writes and a real HTTP partner: at most one post per dedupe key
 * however many variants, requests and retries emit it; a crash between claim and post; shadow requests only ever
 * reaching the sink; tries, status classes and ages as the telemetry records them.
 */
class EgressOnDynamoDbTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> {
        d.createTable("claims", Claims.KEY, null);
        d.createTable("sink", Claims.KEY, null);
    });
    private static final AtomicInteger EVENTS = new AtomicInteger();
    /** Short attempts and waits; leases end at once for {@link #later}, whose clock is an hour ahead. */
    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofMillis(5),
            Duration.ofMillis(20));

    private final PartnerStub partner = PartnerStub.start();
    private final Webhook billing = new Webhook("billing", partner.url("/billing"));
    private final Egress egress = egress(Clock.systemUTC());
    /** The same function an hour later: every lease taken now has ended (a Lambda retry comes minutes later). */
    private final Egress later = egress(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));

    private static Egress egress(Clock clock) {
        return Egress.builder().dynamoDb(DYNAMO.client()).claimsTable("claims").sinkTable("sink")
                .function("rag-answer", "8").retry(FAST).clock(clock).build();
    }

    @AfterEach
    void stopPartner() {
        partner.close();
    }

    private static JsonNode event() {
        return JsonNodeFactory.instance.objectNode().put("requestId", "req-" + EVENTS.incrementAndGet())
                .put("units", 1);
    }

    private static RequestContext live(String variant, String owner) {
        return RequestContext.fromHeaders(Map.of("x-exp", variant), owner, Instant.now());
    }

    private Emission post(RequestContext context, JsonNode event) {
        return egress.request(context).post(billing, event);
    }

    @Test
    void concurrentControlCanaryAndRetriesPostEachKeyToThePartnerExactlyOnce() throws Exception {
        // The default policy's lease (9 s): a loaded dynalite's slow writes must not end a lease under a post.
        Egress egress = Egress.builder().dynamoDb(DYNAMO.client()).claimsTable("claims").sinkTable("sink")
                .function("rag-answer", "8").build();
        int keys = 12;
        List<Callable> emitters = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            JsonNode event = event();
            String id = event.get("requestId").asText();
            // The control's request and its retry (same owner), and two canary requests emitting the same event.
            for (String owner : List.of("-control", "-control", "-canary", "-canary-2")) {
                String variant = owner.startsWith("-control") ? "control" : "canary";
                emitters.add(() -> egress.request(live(variant, id + owner)).post(billing, event));
            }
        }
        Collections.shuffle(emitters);

        List<Emission> emissions = runAll(emitters, 16);

        assertThat(partner.duplicates()).isEmpty();
        assertThat(partner.postsPerKey()).hasSize(keys).allSatisfy((key, posts) -> assertThat(posts).isOne());
        assertThat(emissions).filteredOn(e -> e.destination().equals(Emission.PARTNER)).hasSize(keys)
                .allSatisfy(e -> assertThat(e.success()).isTrue());
        assertThat(emissions).filteredOn(e -> e.destination().equals(Emission.SUPPRESSED)).hasSize(3 * keys)
                .allSatisfy(e -> assertThat(e.tries()).isZero());
    }

    @Test
    void aCrashBetweenClaimAndPostIsPostedOnceByTheOwnersRetryAndNeverByTheOtherVariant() {
        JsonNode event = event();
        RequestContext control = live("control", "router-request-1");
        DedupeKey key = DedupeKey.of(billing, event);
        egress.claims().claim(key, billing, control); // ... and the function dies before posting

        Emission canary = post(live("canary", "router-request-2"), event);
        Emission retry = later.request(control).post(billing, event);
        Emission canaryAgain = later.request(live("canary", "router-request-3")).post(billing, event);

        assertThat(canary.destination()).isEqualTo(Emission.SUPPRESSED);
        assertThat(retry.destination()).isEqualTo(Emission.PARTNER);
        assertThat(retry.success()).isTrue();
        assertThat(canaryAgain.destination()).isEqualTo(Emission.SUPPRESSED);
        assertThat(partner.posts(key.hex())).isOne();
        assertThat(egress.claims().read(key).get("state").s()).isEqualTo(Claims.POSTED);
    }

    @Test
    void aClaimWhoseOwnerNeverCameBackIsMarkedOrphanedAndStaysUnposted() {
        JsonNode event = event();
        DedupeKey key = DedupeKey.of(billing, event);
        egress.claims().claim(key, billing, live("control", "crashed-request"));

        Emission other = later.request(live("canary", "other-request")).post(billing, event);

        assertThat(other.destination()).isEqualTo(Emission.SUPPRESSED);
        assertThat(partner.totalPosts()).isZero();
        Map<String, AttributeValue> claim = egress.claims().read(key);
        assertThat(claim.get("state").s()).isEqualTo(Claims.ORPHANED);
        assertThat(claim.get("orphanSeenBy").s()).isEqualTo("other-request");
    }

    @Test
    void shadowRequestsNeverReachThePartnerAndLandInTheSinkOncePerKey() {
        RequestContext shadow = RequestContext.fromHeaders(
                Map.of("x-exp", "canary", "x-variant", "8", "x-shadow", "true"), "router-request-9", Instant.now());
        JsonNode event = event();
        EgressRequest request = egress.request(shadow);

        request.post(billing, event);
        request.post(billing, event); // the same emission again: still one sink item

        assertThat(partner.totalPosts()).isZero();
        assertThat(request.emissions()).allSatisfy(e -> {
            assertThat(e.destination()).isEqualTo(Emission.SINK);
            assertThat(e.shadow()).isTrue();
            assertThat(e.success()).isTrue();
            assertThat(e.variant()).isEqualTo("canary");
        });
        DedupeKey key = DedupeKey.of(billing, event);
        List<Map<String, AttributeValue>> items = DYNAMO.client().scan(b -> b.tableName("sink")).items().stream()
                .filter(item -> item.get(Claims.KEY).s().equals(key.hex())).toList();
        assertThat(items).hasSize(1);
        Map<String, AttributeValue> item = items.get(0);
        assertThat(item.get("functionVersion").s()).isEqualTo("rag-answer:8");
        assertThat(item.get("webhook").s()).isEqualTo("billing");
        assertThat(item.get("requestId").s()).isEqualTo("router-request-9");
        long emittedAt = Long.parseLong(item.get("emittedAt").n());
        assertThat(Long.parseLong(item.get("expiresAt").n()))
                .isEqualTo(Instant.ofEpochMilli(emittedAt).plus(Egress.DEFAULT_SINK_RETENTION).getEpochSecond());
        assertThat(Long.parseLong(item.get("ageMs").n())).isBetween(0L, 5_000L);
        assertThat(DYNAMO.client().getItem(b -> b.tableName("claims").key(Map.of(Claims.KEY,
                AttributeValue.fromS(key.hex())))).hasItem()).isFalse();
    }

    @Test
    void retriesAfter5xxAreCountedInTriesAndA4xxIsFinal() {
        partner.failFirst(2, 503);
        Emission recovered = post(live("control", "r-5xx"), event());
        partner.failFirst(5, 503);
        Emission exhausted = post(live("control", "r-5xx-all"), event());
        partner.failFirst(5, 400);
        Emission refused = post(live("canary", "r-4xx"), event());

        assertThat(recovered).extracting(Emission::tries, Emission::success, Emission::statusClass)
                .containsExactly(3, true, "2xx");
        assertThat(exhausted).extracting(Emission::tries, Emission::success, Emission::statusClass)
                .containsExactly(3, false, "5xx");
        assertThat(refused).extracting(Emission::tries, Emission::success, Emission::statusClass)
                .containsExactly(1, false, "4xx");
        assertThat(partner.posts(recovered.dedupeKey().hex())).isEqualTo(3);
        assertThat(partner.duplicates()).isEmpty();
    }

    @Test
    void aSlowPartnerTimesOutAndAnUnreachableOneIsANetworkFailure() throws Exception {
        partner.delay(Duration.ofMillis(400));
        Emission slow = post(live("control", "r-slow"), event());
        Webhook nowhere = new Webhook("billing", java.net.URI.create("http://127.0.0.1:" + closedPort() + "/b"));
        Emission unreachable = egress.request(live("control", "r-nowhere")).post(nowhere, event());

        assertThat(slow).extracting(Emission::tries, Emission::success, Emission::statusClass)
                .containsExactly(3, false, "timeout");
        assertThat(unreachable).extracting(Emission::tries, Emission::success, Emission::statusClass)
                .containsExactly(3, false, "network");
    }

    @Test
    void ageRunsFromTheRequestStartToTheAcceptanceAndTheRecordHasTheContractShape() {
        partner.delay(Duration.ofMillis(60));
        Instant started = Instant.now().minusMillis(500);
        EgressRequest request = egress.request(RequestContext.fromHeaders(Map.of("x-exp", "canary"), "r-age",
                started));

        Emission emission = request.post(billing, event(), List.of("requestId"));

        assertThat(emission.ageMs()).isBetween(560L, 5_000L);
        JsonNode record = request.toJson().get(0);
        assertThat(record.fieldNames()).toIterable().containsExactly("webhook", "variant", "shadow", "dedupe_key",
                "tries", "success", "age_ms", "status_class", "destination");
        assertThat(record.get("dedupe_key").asText()).matches("[0-9a-f]{64}")
                .isEqualTo(partner.postsPerKey().keySet().iterator().next());
    }

    @Test
    void withoutTheClaimsTableNothingIsSentAndTheEmissionFails() {
        Egress broken = Egress.builder().dynamoDb(DYNAMO.client()).claimsTable("no-such-table").sinkTable("sink")
                .function("rag-answer", "8").retry(FAST).build();

        Emission emission = broken.request(live("control", "r-broken")).post(billing, event());

        assertThat(emission).extracting(Emission::tries, Emission::success, Emission::destination)
                .containsExactly(0, false, Emission.PARTNER);
        assertThat(partner.totalPosts()).isZero();
    }

    private interface Callable extends java.util.concurrent.Callable<Emission> {
    }

    private static List<Emission> runAll(List<Callable> tasks, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Emission>> futures = new ArrayList<>();
            for (Callable task : tasks) {
                futures.add(pool.submit(task));
            }
            List<Emission> done = new ArrayList<>();
            for (Future<Emission> future : futures) {
                done.add(future.get());
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
