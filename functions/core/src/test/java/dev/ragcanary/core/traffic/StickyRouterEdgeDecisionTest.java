package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.bucket.StickyBucket;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A trusted edge decision routes like the router's own bucketing would, through the same sticky assignments. */
class StickyRouterEdgeDecisionTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();
    private final StickyRouterTest.MutableClock clock = new StickyRouterTest.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryRolloutStore rollouts = new InMemoryRolloutStore();
    private final InMemoryAssignmentStore assignments = new InMemoryAssignmentStore();
    private final StickyRouter router = new StickyRouter(
            new StickyRouter.Settings("rag-answer", "live", null, Duration.ofSeconds(5), 0), rollouts, assignments,
            clock, () -> 0.5, new EdgeDecisions(new EdgeDecisionKeys(() -> "{\"keys\":[{\"kid\":\"k1\",\"secret\":\""
            + Base64.getEncoder().encodeToString(KEY) + "\"}]}", clock, Duration.ofMinutes(5)), clock));

    private RolloutState activeAtFive() {
        RolloutState state = Plans.initialState(Plans.twoRegions(), "41").withStage("five", 0.05, Map.of());
        rollouts.put(state);
        return state;
    }

    private Map<String, String> signed(String variant, int bucket, long epoch) {
        String decision = "rollout=rag-answer-live-v42;epoch=" + epoch + ";bucket=" + bucket + ";variant=" + variant
                + ";iat=" + clock.instant().getEpochSecond();
        Map<String, String> headers = new HashMap<>();
        headers.put(EdgeDecisions.DECISION_HEADER, decision);
        headers.put(EdgeDecisions.SIGNATURE_HEADER, "kid=k1;sig="
                + Base64.getUrlEncoder().withoutPadding().encodeToString(EdgeDecisions.sign(KEY, decision)));
        return headers;
    }

    /** {@link #signed} on a request that carries the tenant's key too. */
    private Map<String, String> signedFor(String tenant, String variant, int bucket, long epoch) {
        Map<String, String> headers = signed(variant, bucket, epoch);
        headers.put("x-tenant-id", tenant);
        return headers;
    }

    private static String controlTenant() {
        return IntStream.range(0, 100_000).mapToObj(i -> "tenant-" + i)
                .filter(t -> !StickyBucket.isCanary("rag-answer-live-v42", t, 0.05)).findFirst().orElseThrow();
    }

    @Test
    void aTrustedDecisionForAKeyTheRouterCannotReadRoutesToTheEdgesVariant() {
        activeAtFive();

        RouteDecision decision = router.route(new RouteRequest(signed("canary", 17, 1), () -> null));

        assertThat(decision.variant()).isEqualTo(Variant.CANARY);
        assertThat(decision.qualifier()).isEqualTo("42");
        assertThat(decision.reason()).isEqualTo(RouteDecision.Reason.EDGE_DECISION);
        assertThat(decision.bucket()).isEqualTo(17);
        assertThat(decision.edgeDecision()).isEqualTo("trusted");
    }

    @Test
    void aTrustedDecisionIsStoredAsTheKeysAssignmentSoTheUserStaysThereWithoutTheEdge() {
        activeAtFive();
        String tenant = controlTenant();
        Map<String, String> headers = signedFor(tenant, "canary", 42, 1);

        RouteDecision viaEdge = router.route(new RouteRequest(headers, () -> null));
        RouteDecision direct = router.route(new RouteRequest(Map.of("x-tenant-id", tenant), () -> null));

        assertThat(viaEdge.variant()).isEqualTo(Variant.CANARY);
        assertThat(viaEdge.reason()).isEqualTo(RouteDecision.Reason.NEWLY_ASSIGNED);
        assertThat(direct.variant()).as("stickiness preserved to core").isEqualTo(Variant.CANARY);
        assertThat(direct.reason()).isEqualTo(RouteDecision.Reason.ASSIGNED);
        assertThat(direct.edgeDecision()).isEqualTo("absent");
    }

    @Test
    void anUntrustedDecisionIsIgnoredAndTheRouterDecidesByItself() {
        activeAtFive();
        Map<String, String> stale = signedFor(controlTenant(), "canary", 42, 0);
        Map<String, String> forged = signed("canary", 42, 1);
        forged.put(EdgeDecisions.SIGNATURE_HEADER, "kid=k1;sig=" + "A".repeat(43));

        RouteDecision first = router.route(new RouteRequest(stale, () -> null));
        RouteDecision unkeyed = router.route(new RouteRequest(forged, () -> null));

        assertThat(first.variant()).isEqualTo(Variant.CONTROL);
        assertThat(first.edgeDecision()).isEqualTo("stale_epoch");
        assertThat(unkeyed.variant()).isEqualTo(Variant.ALIAS);
        assertThat(unkeyed.reason()).isEqualTo(RouteDecision.Reason.UNKEYED);
        assertThat(unkeyed.edgeDecision()).isEqualTo("bad_signature");
    }

    @Test
    void afterARollbackAnEdgeStillSendingCanaryIsNotTrusted() {
        RolloutState five = activeAtFive();
        rollouts.put(five.withStatus(RolloutStatus.ROLLED_BACK, 2));
        clock.advance(Duration.ofSeconds(6));

        RouteDecision decision = router.route(new RouteRequest(signed("canary", 17, 2), () -> null));

        assertThat(decision.variant()).isEqualTo(Variant.CONTROL);
        assertThat(decision.edgeDecision()).isEqualTo("stale_epoch");
    }
}
