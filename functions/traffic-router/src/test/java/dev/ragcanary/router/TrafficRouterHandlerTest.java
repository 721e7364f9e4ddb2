package dev.ragcanary.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbAssignmentStore;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.ports.VersionInvoker;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.core.traffic.StickyRouter;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.Events;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

class TrafficRouterHandlerTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> {
        d.createRolloutsTable("rollouts");
        d.createAssignmentsTable("assignments");
    });

    private final DynamoDbRolloutStore rollouts = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
    private final List<String> lines = new ArrayList<>();
    private final RecordingInvoker invoker = new RecordingInvoker();

    private static String rag(String prefix, boolean hit) {
        return Json.compact(Map.of("answer", "Run the rollback action.",
                "retrieved", List.of(Map.of("sectionId", "ops-7", "text", "To roll back...", "score", 0.81)),
                "index", Map.of("INDEX_HASH", "0x9a77", "metric", "cosine", "analyzer", "bilstem"),
                "cache", Map.of("prefix", prefix, "hit", hit)));
    }

    /** A Function URL style reply from the RAG function. */
    private static byte[] httpReply(String body) {
        return Json.compact(Map.of("statusCode", 200, "headers", Map.of("content-type", "application/json"),
                "body", body)).getBytes(StandardCharsets.UTF_8);
    }

    private static final class RecordingInvoker implements VersionInvoker {
        final List<String> calls = new ArrayList<>();
        final List<JsonNode> payloads = new ArrayList<>();
        final List<String> asyncCalls = new ArrayList<>();
        final List<JsonNode> asyncPayloads = new ArrayList<>();
        Function<String, Invocation> reply = q -> new Invocation(200,
                httpReply(rag("42".equals(q) ? "v2-cnr:" : "v1:", true)), null, "live".equals(q) ? "41" : q);

        @Override
        public Invocation invoke(String qualifier, byte[] payload) {
            calls.add(qualifier);
            payloads.add(Json.parse("payload", new String(payload, StandardCharsets.UTF_8)));
            return reply.apply(qualifier);
        }

        @Override
        public void invokeAsync(String qualifier, byte[] payload) {
            asyncCalls.add(qualifier);
            asyncPayloads.add(Json.parse("payload", new String(payload, StandardCharsets.UTF_8)));
        }
    }

    /** An active rollout on {@code function} keyed by {@code x-tenant-id}, with tenant-7 on the canary. */
    private void rolloutWithTenant7OnCanary(String function) {
        rolloutWithTenant7OnCanary(function, "x-tenant-id", "header");
    }

    /** An active rollout on {@code function} whose weight puts the sticky key tenant-7 on the canary. */
    private void rolloutWithTenant7OnCanary(String function, String keyAttribute, String keySource) {
        String rolloutId = function + "-v42";
        int bucket = StickyBucket.bucket(rolloutId, "tenant-7");
        double weight = Math.min(0.99, (bucket + 1) / 10_000.0);
        rollouts.acquire(new RolloutState(rolloutId, function, "live", "41", "42", "fifty", weight, 1,
                RolloutStatus.ACTIVE, Map.of("us-east-1", weight), List.of("acme-internal"), keyAttribute, keySource,
                24, "v2-cnr:", 2, 0, null, null, Map.of(),
                Map.of()));
    }

    /** The rollouts table until {@link #down} is set, then a DynamoDB outage for every read. */
    private static final class OutageRolloutStore implements RolloutStore {
        private final RolloutStore table;
        volatile boolean down;

        OutageRolloutStore(RolloutStore table) {
            this.table = table;
        }

        @Override
        public Optional<RolloutState> read(String functionName, String alias) {
            if (down) {
                throw SdkClientException.create("Unable to execute HTTP request: connect timed out");
            }
            return table.read(functionName, alias);
        }

        @Override
        public RolloutState acquire(RolloutState initial) {
            return table.acquire(initial);
        }

        @Override
        public RolloutState acquireReplacing(RolloutState initial, RolloutState replaced) {
            return table.acquireReplacing(initial, replaced);
        }

        @Override
        public RolloutState update(RolloutState next) {
            return table.update(next);
        }
    }

    private TrafficRouterHandler handler(String function, RolloutStore rolloutStore, AssignmentStore assignmentStore,
                                         Duration stateCache, double shadowRate, DownstreamPayload mode,
                                         IdentitySettings identity) {
        StickyRouter router = new StickyRouter(
                new StickyRouter.Settings(function, "live", "us-east-1", stateCache, shadowRate),
                rolloutStore, assignmentStore, Clock.systemUTC(), () -> 0.0);
        return new TrafficRouterHandler(new TrafficRouter(router, invoker,
                new Telemetry(lines::add, function, "live", "us-east-1"), mode, identity, Clock.systemUTC()));
    }

    private TrafficRouterHandler handler(String function, RolloutStore rolloutStore, AssignmentStore assignmentStore,
                                         Duration stateCache, double shadowRate, DownstreamPayload mode) {
        return handler(function, rolloutStore, assignmentStore, stateCache, shadowRate, mode,
                IdentitySettings.fromAuthorizer());
    }

    /** A router behind a front door that does not require an identity. */
    private TrafficRouterHandler handlerWithoutRequiredIdentity(String function) {
        return handler(function, rollouts, new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"),
                Duration.ofSeconds(5), 0, DownstreamPayload.EVENT, new IdentitySettings(IdentitySettings.Source.AUTHORIZER,
                        "tenant_id", "sub", "x-tenant-id", "x-user-id", false));
    }

    private TrafficRouterHandler handler(String function, DynamoDbClient dynamo, double shadowRate, DownstreamPayload mode) {
        return handler(function, new DynamoDbRolloutStore(dynamo, "rollouts"),
                new DynamoDbAssignmentStore(dynamo, "assignments"), Duration.ofSeconds(5), shadowRate, mode);
    }

    private TrafficRouterHandler handler(String function) {
        return handler(function, DYNAMO.client(), 0, DownstreamPayload.EVENT);
    }

    private static JsonNode run(TrafficRouterHandler handler, String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
        return Json.parse("response", out.toString(StandardCharsets.UTF_8));
    }

    private JsonNode lastLine() {
        return Json.parse("log line", lines.get(lines.size() - 1));
    }

    private static String event(String name) {
        return Events.load("traffic-router/" + name);
    }

    /** {@code keyed.json} (tenant-7, a JSON body) changed by {@code change}. */
    private static String keyedEvent(Consumer<ObjectNode> change) {
        ObjectNode event = (ObjectNode) Json.parse("keyed.json", event("keyed.json"));
        change.accept(event);
        return Json.compact(event);
    }

    private static ObjectNode headersOf(ObjectNode event) {
        return (ObjectNode) event.get("headers");
    }

    private static void assertRoutedAsUnparseable(JsonNode line, String variant) {
        assertThat(line.path("variant").asText()).isEqualTo(variant);
        assertThat(line.path("routing").path("reason").asText()).isEqualTo("UNPARSEABLE");
        assertThat(line.path("routing").path("fallback").asBoolean()).isTrue();
        assertThat(line.path("RoutingFallbacks").asInt()).isEqualTo(1);
    }

    @Test
    void aKeyedRequestGoesToItsVariantByVersionAndComesBackUnchangedWithXExp() throws IOException {
        rolloutWithTenant7OnCanary("rag-keyed");
        TrafficRouterHandler handler = handler("rag-keyed");

        JsonNode response = run(handler, event("keyed.json"));

        assertThat(invoker.calls).containsExactly("42");
        JsonNode downstream = invoker.payloads.get(0).path("headers");
        assertThat(downstream.path("x-exp").asText()).isEqualTo("canary");
        assertThat(downstream.path("x-sticky").asText()).isEqualTo("tenant-7");
        assertThat(downstream.path("x-variant").asText()).isEqualTo("42");
        assertThat(invoker.payloads.get(0).path("body").asText()).contains("roll back a canary by hand");
        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(response.path("headers").path("x-exp").asText()).isEqualTo("canary");
        assertThat(Json.parse("body", response.path("body").asText())).isEqualTo(Json.parse("rag", rag("v2-cnr:", true)));

        JsonNode line = lastLine();
        assertThat(line.path("variant").asText()).isEqualTo("canary-v42");
        assertThat(line.path("route").asText()).isEqualTo("/answer");
        assertThat(line.path("sticky").asText()).startsWith("h");
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("retrieval")).isEqualTo(Json.parse("r", "{\"k\":1,\"metric\":\"cosine\",\"analyzer\":\"bilstem\",\"INDEX_HASH\":\"0x9a77\"}"));
        assertThat(line.path("cache")).isEqualTo(Json.parse("c", "{\"prefix\":\"v2-cnr:\",\"hit\":true,\"collision\":false}"));
        assertThat(line.path("function").asText()).isEqualTo("rag-keyed");
        assertThat(line.path("alias").asText()).isEqualTo("live");
        assertThat(line.path("version").asText()).isEqualTo("42");
        assertThat(line.path("warm_ping").asBoolean()).isFalse();
        assertThat(line.path("latency_ms").has("tfinal")).isTrue();
        assertThat(line.path("cold_start").asBoolean()).isTrue();
        assertThat(line.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText()).isEqualTo("RagCanary/Router");
        assertThat(line.path("Variant").asText()).isEqualTo("canary");
        assertThat(line.path("Requests").asInt()).isEqualTo(1);
        assertThat(line.path("CacheHits").asInt()).isEqualTo(1);
        assertThat(line.path("PrefixCollisions").asInt()).isZero();
        assertThat(line.toString()).doesNotContain("tenant-7");

        run(handler, event("keyed.json"));
        assertThat(lastLine().path("cold_start").asBoolean()).isFalse();
        assertThat(lastLine().path("routing").path("reason").asText()).isEqualTo("ASSIGNED");
    }

    @Test
    void anUnkeyedRequestGoesToTheAliasAndIsCountedForTheVersionThatRan() throws IOException {
        rolloutWithTenant7OnCanary("rag-unkeyed");

        JsonNode response = run(handler("rag-unkeyed"), event("unkeyed.json"));

        assertThat(invoker.calls).containsExactly("live");
        assertThat(response.path("headers").path("x-exp").asText()).isEqualTo("control");
        assertThat(lastLine().path("variant").asText()).isEqualTo("control-v41");
        assertThat(lastLine().path("routing").path("reason").asText()).isEqualTo("UNKEYED");
    }

    @Test
    void xExpIsHonouredForTrustedTenantsAndIgnoredAndLoggedForOthers() throws IOException {
        rolloutWithTenant7OnCanary("rag-exp");
        TrafficRouterHandler handler = handler("rag-exp");

        run(handler, event("trusted-experiment.json"));
        assertThat(invoker.calls).containsExactly("42");
        assertThat(lastLine().path("routing").path("reason").asText()).isEqualTo("TRUSTED_EXPERIMENT");

        // tenant-7 asks for the canary at a weight that buckets it on the control: not trusted, so it stays there
        RolloutState state = rollouts.read("rag-exp", "live").orElseThrow();
        double controlWeight = StickyBucket.bucket(state.rolloutId(), "tenant-7") / 10_000.0;
        rollouts.update(state.withStage("one", controlWeight, Map.of("us-east-1", controlWeight)));
        run(handler("rag-exp"), event("untrusted-experiment.json"));
        assertThat(invoker.calls).containsExactly("42", "41");
        assertThat(lastLine().path("routing").path("exp_ignored").asBoolean()).isTrue();
    }

    @Test
    void theSchedulesWarmPingReachesControlAndCanaryWithXWarmAndIsNeverCountedOrAssigned() throws IOException {
        rolloutWithTenant7OnCanary("rag-warm");

        JsonNode answer = run(handler("rag-warm"), event("warm-ping.json"));

        assertThat(invoker.calls).containsExactly("41", "42");
        assertThat(invoker.payloads).allSatisfy(payload -> {
            assertThat(payload.path("headers").path("x-warm").asText()).isEqualTo("true");
            assertThat(payload.path("rawPath").asText()).isEqualTo(WarmPing.PATH);
        });
        assertThat(answer.path("warmed").findValuesAsText("qualifier")).containsExactly("41", "42");
        assertThat(lines).hasSize(2).allSatisfy(text -> {
            JsonNode line = Json.parse("line", text);
            assertThat(line.path("warm_ping").asBoolean()).isTrue();
            assertThat(line.path("routing").path("reason").asText()).isEqualTo("WARM_UP");
            assertThat(line.has("_aws")).isFalse();
            assertThat(line.has("Requests")).isFalse();
        });
        assertThat(DYNAMO.client().scanPaginator(b -> b.tableName("assignments")).items().stream()
                .filter(i -> i.get("pk").s().startsWith("rag-warm#"))).isEmpty();
    }

    @Test
    void aClientsIdentityHeadersExpAndWarmAreIgnoredTheVerifiedClaimsDecide() throws IOException {
        rolloutWithTenant7OnCanary("rag-spoof");
        RolloutState state = rollouts.read("rag-spoof", "live").orElseThrow();
        double tenant7OnControl = StickyBucket.bucket(state.rolloutId(), "tenant-7") / 10_000.0;
        rollouts.update(state.withStage("five", tenant7OnControl, Map.of("us-east-1", tenant7OnControl)));

        run(handler("rag-spoof"), event("spoofed-identity.json"));

        assertThat(invoker.calls).as("tenant-7's own bucket, not acme-internal's trust").containsExactly("41");
        JsonNode line = lastLine();
        assertThat(line.path("routing").path("reason").asText()).isEqualTo("NEWLY_ASSIGNED");
        assertThat(line.path("routing").path("exp_ignored").asBoolean()).isTrue();
        assertThat(line.path("warm_ping").asBoolean()).isFalse();
        assertThat(line.path("Requests").asInt()).as("counted for the gate").isEqualTo(1);
        JsonNode downstream = invoker.payloads.get(0).path("headers");
        assertThat(downstream.path("x-tenant-id").asText()).isEqualTo("tenant-7");
        assertThat(downstream.path("x-user-id").asText()).isEqualTo("7c1e5a90-2b3d-4f6a-8e9f-0a1b2c3d4e57");
        assertThat(downstream.has("x-warm")).isFalse();
        DynamoDbAssignmentStore stored = new DynamoDbAssignmentStore(DYNAMO.client(), "assignments");
        assertThat(stored.get("rag-spoof", "live", "tenant-7")).isPresent();
        assertThat(stored.get("rag-spoof", "live", "acme-internal")).isEmpty();
    }

    @Test
    void anIamCallerIsItsAccountAsTenantAndItsArnAsUser() throws IOException {
        rolloutWithTenant7OnCanary("rag-iam");

        run(handler("rag-iam"), event("iam-caller.json"));

        JsonNode downstream = invoker.payloads.get(0).path("headers");
        assertThat(downstream.path("x-tenant-id").asText()).isEqualTo("111122223333");
        assertThat(downstream.path("x-user-id").asText())
                .isEqualTo("arn:aws:sts::111122223333:assumed-role/rag-batch-answers/batch-answers");
        assertThat(lastLine().path("routing").path("reason").asText()).isEqualTo("NEWLY_ASSIGNED");
        assertThat(new DynamoDbAssignmentStore(DYNAMO.client(), "assignments").get("rag-iam", "live", "111122223333"))
                .isPresent();
    }

    @Test
    void aRequestWithoutTheCallersIdentityIsRefusedWith401NamingWhereItWasExpected() throws IOException {
        rolloutWithTenant7OnCanary("rag-anonymous");
        TrafficRouterHandler handler = handler("rag-anonymous");

        JsonNode noAuthorizer = run(handler, keyedEvent(e -> ((ObjectNode) e.get("requestContext")).remove("authorizer")));
        JsonNode notAnEvent = run(handler, "[\"x-tenant-id\", \"acme-internal\"]");

        for (JsonNode response : List.of(noAuthorizer, notAnEvent)) {
            assertThat(response.path("statusCode").asInt()).isEqualTo(401);
            assertThat(Json.parse("body", response.path("body").asText()).path("expected").asText())
                    .isEqualTo("requestContext.authorizer.jwt.claims.tenant_id or .sub, or requestContext.authorizer.iam");
        }
        assertThat(invoker.calls).isEmpty();
        assertThat(lines).hasSize(2).allSatisfy(text -> {
            JsonNode line = Json.parse("line", text);
            assertThat(line.path("refused").asText()).isEqualTo("NO_IDENTITY");
            assertThat(line.path("status").asInt()).isEqualTo(401);
            assertThat(line.has("_aws")).isFalse();
        });
    }

    @Test
    void behindAFrontDoorWithoutAnAuthorizerTheIdentityIsTheHeaderItSets() throws IOException {
        rolloutWithTenant7OnCanary("rag-header-identity");
        IdentitySettings fromHeaders = IdentitySettings.fromEnvironment(Map.of("IDENTITY_SOURCE", "header",
                "TENANT_HEADER", "X-Verified-Tenant"));
        TrafficRouterHandler handler = handler("rag-header-identity", rollouts,
                new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"), Duration.ofSeconds(5), 0,
                DownstreamPayload.EVENT, fromHeaders);

        run(handler, keyedEvent(e -> headersOf(e).put("x-verified-tenant", "acme-internal").put("x-exp", "canary")));
        JsonNode refused = run(handler, keyedEvent(e -> headersOf(e).put("x-tenant-id", "acme-internal")));

        assertThat(invoker.calls).containsExactly("42");
        assertThat(lines.get(0)).contains("\"reason\":\"TRUSTED_EXPERIMENT\"");
        assertThat(refused.path("statusCode").asInt()).isEqualTo(401);
        assertThat(refused.path("body").asText()).contains("header x-verified-tenant or x-user-id, set by the front door");
    }

    @Test
    void aFunctionErrorIsA502CountedByFailureClass() throws IOException {
        rolloutWithTenant7OnCanary("rag-error");
        invoker.reply = q -> new VersionInvoker.Invocation(200,
                "{\"errorType\":\"UpstreamTimeout\",\"errorMessage\":\"vector store timed out\"}"
                        .getBytes(StandardCharsets.UTF_8), "Unhandled", q);

        JsonNode response = run(handler("rag-error"), event("keyed.json"));

        assertThat(response.path("statusCode").asInt()).isEqualTo(502);
        assertThat(response.path("headers").path("x-exp").asText()).isEqualTo("canary");
        assertThat(lastLine().path("failure_class").asText()).isEqualTo("5xx:UpstreamTimeout");
        assertThat(lastLine().path("FailureClass").asText()).isEqualTo("5xx:UpstreamTimeout");
        assertThat(lastLine().path("Errors").asInt()).isEqualTo(1);
    }

    @Test
    void aCanaryAnsweringFromTheControlsCachePrefixIsACollision() throws IOException {
        rolloutWithTenant7OnCanary("rag-collide");
        invoker.reply = q -> new VersionInvoker.Invocation(200, httpReply(rag("v1:", false)), null, q);

        run(handler("rag-collide"), event("keyed.json"));

        assertThat(lastLine().path("PrefixCollisions").asInt()).isEqualTo(1);
        assertThat(lastLine().path("cache").path("collision").asBoolean()).isTrue();
        assertThat(lastLine().path("CacheMisses").asInt()).isEqualTo(1);
    }

    @Test
    void theShadowStageMirrorsToTheCanaryWhileTheUserGetsTheControl() throws IOException {
        rollouts.acquire(new RolloutState("rag-shadow-v42", "rag-shadow", "live", "41", "42", "shadow", 0, 1,
                RolloutStatus.ACTIVE, Map.of("us-east-1", 0.0), List.of(), "x-tenant-id", "header", 24, "v2-cnr:", 2, 0, null, null, Map.of(),
                Map.of()));

        JsonNode response = run(handler("rag-shadow", DYNAMO.client(), 1.0, DownstreamPayload.EVENT), event("keyed.json"));

        assertThat(invoker.calls).containsExactly("41");
        assertThat(invoker.asyncCalls).containsExactly("42");
        assertThat(invoker.asyncPayloads.get(0).path("headers").path("x-shadow").asText()).isEqualTo("true");
        assertThat(response.path("headers").path("x-exp").asText()).isEqualTo("control");
        assertThat(lastLine().path("routing").path("shadow_mirrored").asBoolean()).isTrue();
    }

    @Test
    void whenDynamoDbIsUnreachableTheRequestIsServedAndTheFallbackCounted() throws IOException {
        DynamoDbClient nowhere = dev.ragcanary.aws.AwsClients.build(DynamoDbClient.builder(),
                URI.create("http://127.0.0.1:9"), Region.US_EAST_1);

        JsonNode response = run(handler("rag-down", nowhere, 0, DownstreamPayload.EVENT), event("keyed.json"));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(invoker.calls).as("a router that never read the state trusts the alias").containsExactly("live");
        assertThat(lastLine().path("routing").path("reason").asText()).isEqualTo("STORE_UNAVAILABLE");
        assertThat(lastLine().path("routing").path("fallback").asBoolean()).isTrue();
        assertThat(lastLine().path("RoutingFallbacks").asInt()).isEqualTo(1);
    }

    @Test
    void afterAPromotionADynamoDbOutageSendsRequestsToTheAliasNotTheReplacedVersion() throws IOException {
        rolloutWithTenant7OnCanary("rag-promoted");
        rollouts.update(rollouts.read("rag-promoted", "live").orElseThrow().withStatus(RolloutStatus.PROMOTED, 1));
        OutageRolloutStore outage = new OutageRolloutStore(rollouts);
        TrafficRouterHandler handler = handler("rag-promoted", outage,
                new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"), Duration.ZERO, 0, DownstreamPayload.EVENT);
        invoker.reply = q -> new VersionInvoker.Invocation(200, httpReply(rag("v2-cnr:", true)), null,
                "live".equals(q) ? "42" : q);
        run(handler, event("keyed.json"));

        outage.down = true;
        JsonNode response = run(handler, event("keyed.json"));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(invoker.calls).containsExactly("live", "live");
        JsonNode line = lastLine();
        assertThat(line.path("variant").asText()).isEqualTo("canary-v42");
        assertThat(line.path("routing").path("reason").asText()).isEqualTo("STORE_UNAVAILABLE");
        assertThat(line.path("routing").path("fallback").asBoolean()).isTrue();
        assertThat(line.path("RoutingFallbacks").asInt()).isEqualTo(1);
    }

    @Test
    void whenTheAssignmentStoreFailsDuringARolloutTheControlServesAndTheFallbackIsCounted() throws IOException {
        rolloutWithTenant7OnCanary("rag-assignments-down");
        TrafficRouterHandler handler = handler("rag-assignments-down", rollouts,
                new DynamoDbAssignmentStore(DYNAMO.client(), "no-such-table"), Duration.ofSeconds(5), 0,
                DownstreamPayload.EVENT);

        JsonNode response = run(handler, event("keyed.json"));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(invoker.calls).containsExactly("41");
        JsonNode line = lastLine();
        assertThat(line.path("variant").asText()).isEqualTo("control-v41");
        assertThat(line.path("routing").path("reason").asText()).isEqualTo("STORE_UNAVAILABLE");
        assertThat(line.path("routing").path("fallback").asBoolean()).isTrue();
        assertThat(line.path("RoutingFallbacks").asInt()).isEqualTo(1);
    }

    @Test
    void anInvalidBase64BodyIsUnparseableAndServedByTheControlWithOneTelemetryLine() throws IOException {
        rolloutWithTenant7OnCanary("rag-base64");

        JsonNode response = run(handler("rag-base64"),
                keyedEvent(e -> e.put("isBase64Encoded", true).put("body", "{not base64}")));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(invoker.calls).containsExactly("41");
        assertThat(lines).hasSize(1);
        assertRoutedAsUnparseable(lastLine(), "control-v41");
    }

    @Test
    void anUnparseableRequestGoesToTheAliasWhenNoRolloutIsActive() throws IOException {
        JsonNode response = run(handler("rag-base64-no-rollout"),
                keyedEvent(e -> e.put("isBase64Encoded", true).put("body", "{not base64}")));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(invoker.calls).containsExactly("live");
        assertThat(lines).hasSize(1);
        assertRoutedAsUnparseable(lastLine(), "alias-v41");
    }

    @Test
    void malformedHeadersAreUnparseableAndNeverBecomeAStickyKey() throws IOException {
        rolloutWithTenant7OnCanary("rag-headers");
        TrafficRouterHandler handler = handler("rag-headers");

        run(handler, keyedEvent(e -> e.putArray("headers").add("x-tenant-id").add("tenant-7")));
        run(handler, keyedEvent(e -> headersOf(e).putNull("x-tenant-id")));
        run(handler, keyedEvent(e -> headersOf(e).putObject("x-tenant-id").put("id", "tenant-7")));

        assertThat(invoker.calls).containsExactly("41", "41", "41");
        assertThat(lines).hasSize(3)
                .allSatisfy(line -> assertRoutedAsUnparseable(Json.parse("line", line), "control-v41"));
        assertThat(new DynamoDbAssignmentStore(DYNAMO.client(), "assignments").get("rag-headers", "live", "null"))
                .isEmpty();
    }

    @Test
    void aBodyThatIsNotOneJsonObjectWithOneStickyKeyIsUnparseableWhenTheStickyKeyIsInTheBody() throws IOException {
        rolloutWithTenant7OnCanary("rag-body-key", "userId", "body");
        TrafficRouterHandler handler = handler("rag-body-key");

        run(handler, keyedEvent(e -> e.put("body", "[{\"userId\": \"tenant-7\"}]")));
        run(handler, keyedEvent(e -> e.put("body", "userId=tenant-7")));
        run(handler, keyedEvent(e -> e.put("body", "[".repeat(5_000) + "]".repeat(5_000))));
        // Two sticky keys in one body: which is meant is unknown, so neither is guessed.
        run(handler, keyedEvent(e -> e.put("body", "{\"userId\": \"tenant-7\", \"userId\": \"tenant-8\"}")));
        assertThat(lines).hasSize(4)
                .allSatisfy(line -> assertRoutedAsUnparseable(Json.parse("line", line), "control-v41"));

        run(handler, keyedEvent(e -> e.put("body", "{\"userId\": \"tenant-7\"}")));
        assertThat(invoker.calls).containsExactly("41", "41", "41", "41", "42");
        assertThat(lastLine().path("routing").path("reason").asText()).isEqualTo("NEWLY_ASSIGNED");
    }

    @Test
    void aHugeBodyWhoseStickyKeyIsTooLongToStoreIsUnparseableAndNothingIsStored() throws IOException {
        rolloutWithTenant7OnCanary("rag-huge", "userId", "body");
        String hugeKey = "u".repeat(3_000);
        String body = Json.compact(Map.of("userId", hugeKey, "question", "q".repeat(4_000_000)));

        JsonNode response = run(handler("rag-huge"), keyedEvent(e -> e.put("body", body)));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(invoker.calls).containsExactly("41");
        assertRoutedAsUnparseable(lastLine(), "control-v41");
        assertThat(DYNAMO.client().scanPaginator(b -> b.tableName("assignments")).items().stream()
                .filter(i -> i.get("pk").s().startsWith("rag-huge#"))).isEmpty();
    }

    @Test
    void nullFieldsInTheEventAreTreatedAsAbsent() throws IOException {
        rolloutWithTenant7OnCanary("rag-nulls");

        JsonNode response = run(handlerWithoutRequiredIdentity("rag-nulls"), keyedEvent(e -> List.of("headers", "body", "isBase64Encoded",
                "rawPath", "routeKey", "requestContext").forEach(e::putNull)));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(invoker.calls).containsExactly("live");
        assertThat(lines).hasSize(1);
        assertThat(lastLine().path("route").asText()).isEqualTo("/");
        assertThat(lastLine().path("routing").path("reason").asText()).isEqualTo("UNKEYED");
    }

    @Test
    void anEventThatIsNotAJsonObjectIsUnparseableYetInvokedAndLogged() throws IOException {
        rolloutWithTenant7OnCanary("rag-not-an-event");
        TrafficRouterHandler handler = handlerWithoutRequiredIdentity("rag-not-an-event");

        for (String event : List.of("[\"x-tenant-id\", \"tenant-7\"]", "{\"headers\": {", "")) {
            assertThat(run(handler, event).path("statusCode").asInt()).as(event).isEqualTo(200);
        }

        assertThat(invoker.calls).containsExactly("41", "41", "41");
        assertThat(invoker.payloads.get(0).path("headers").path("x-variant").asText()).isEqualTo("41");
        assertThat(lines).hasSize(3)
                .allSatisfy(line -> assertRoutedAsUnparseable(Json.parse("line", line), "control-v41"));
    }

    @Test
    void aReplyWithAnUndecodableBase64BodyIsPassedThroughAndLogged() throws IOException {
        rolloutWithTenant7OnCanary("rag-bad-reply");
        invoker.reply = q -> new VersionInvoker.Invocation(200, Json.compact(Map.of("statusCode", 200,
                "isBase64Encoded", true, "body", "{not base64}")).getBytes(StandardCharsets.UTF_8), null, q);

        JsonNode response = run(handler("rag-bad-reply"), event("keyed.json"));

        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(response.path("body").asText()).isEqualTo("{not base64}");
        assertThat(lines).hasSize(1);
        assertThat(lastLine().path("status").asInt()).isEqualTo(200);
        assertThat(lastLine().has("retrieval")).isFalse();
    }

    @Test
    void theFunctionsEgressArrayGoesToTheTelemetryLineAndNotToTheUser() throws IOException {
        rolloutWithTenant7OnCanary("rag-egress");
        String emissions = "[{\"webhook\":\"billing\",\"variant\":\"canary\",\"shadow\":false,"
                + "\"dedupe_key\":\"" + "ab".repeat(32) + "\",\"tries\":2,\"success\":true,\"age_ms\":42,"
                + "\"status_class\":\"2xx\",\"destination\":\"partner\"}]";
        ObjectNode withEgress = (ObjectNode) Json.parse("rag", rag("v2-cnr:", true));
        withEgress.set("egress", Json.parse("egress", emissions));
        invoker.reply = q -> new VersionInvoker.Invocation(200, httpReply(Json.compact(withEgress)), null, q);

        JsonNode response = run(handler("rag-egress"), event("keyed.json"));

        assertThat(Json.parse("body", response.path("body").asText())).isEqualTo(Json.parse("rag", rag("v2-cnr:", true)));
        assertThat(lastLine().path("egress")).isEqualTo(Json.parse("egress", emissions));
    }

    @Test
    void bodyModeSendsOnlyTheJsonBodyAndWrapsAPlainReply() throws IOException {
        rolloutWithTenant7OnCanary("rag-body");
        invoker.reply = q -> new VersionInvoker.Invocation(200, rag("v2-cnr:", false).getBytes(StandardCharsets.UTF_8), null, q);

        JsonNode response = run(handler("rag-body", DYNAMO.client(), 0, DownstreamPayload.BODY), event("keyed.json"));

        assertThat(invoker.payloads.get(0)).isEqualTo(Json.parse("q", "{\"question\":\"How do I roll back a canary by hand?\"}"));
        assertThat(response.path("statusCode").asInt()).isEqualTo(200);
        assertThat(Json.parse("body", response.path("body").asText()).path("answer").asText()).isEqualTo("Run the rollback action.");
        assertThat(lastLine().path("retrieval").path("k").asInt()).isEqualTo(1);
    }

    @Test
    void theFactoryWiresARouterThatAnswersEvenWhenTheFunctionIsUnreachable() throws IOException {
        TrafficRouterHandler fromEnvironment = new TrafficRouterHandler(new DependencyFactory(Map.of(
                "TARGET_FUNCTION", "rag-wired", "TARGET_ALIAS", "live",
                "ROLLOUTS_TABLE", "rollouts", "ASSIGNMENTS_TABLE", "assignments",
                "RAG_CANARY_ENDPOINT_DYNAMODB", DYNAMO.dynalite().endpoint().toString(),
                "RAG_CANARY_ENDPOINT_LAMBDA", "http://127.0.0.1:9")).trafficRouter());

        JsonNode response = run(fromEnvironment, event("keyed.json"));

        assertThat(response.path("statusCode").asInt()).isEqualTo(502);
        assertThat(response.path("body").asText()).contains("InvokeFailed");
        assertThat(response.path("headers").path("x-exp").asText()).isEqualTo("alias");
    }

    @Test
    void theFactoryNamesMissingSettings() {
        assertThatThrownBy(() -> new DependencyFactory(Map.of("TARGET_FUNCTION", "rag-answer")).trafficRouter())
                .hasMessageContaining("TARGET_ALIAS is not set");
    }

    @Test
    void identitySettingsNameTheVariableThatIsWrong() {
        assertThatThrownBy(() -> IdentitySettings.fromEnvironment(Map.of("IDENTITY_SOURCE", "x-tenant-id")))
                .hasMessage("IDENTITY_SOURCE must be authorizer or header, not 'x-tenant-id'");
        assertThatThrownBy(() -> IdentitySettings.fromEnvironment(Map.of("TENANT_CLAIM", "custom:tenant")))
                .hasMessageStartingWith("TENANT_CLAIM 'custom:tenant' must match");
        assertThatThrownBy(() -> IdentitySettings.fromEnvironment(Map.of("USER_HEADER", "x-tenant-id")))
                .hasMessage("TENANT_HEADER and USER_HEADER must differ, both are x-tenant-id");
        assertThatThrownBy(() -> IdentitySettings.fromEnvironment(Map.of("IDENTITY_REQUIRED", "yes")))
                .hasMessage("IDENTITY_REQUIRED must be true or false, not 'yes'");
    }
}
