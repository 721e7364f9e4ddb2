package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.traffic.RouteDecision.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StickyRouterTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryRolloutStore rollouts = new InMemoryRolloutStore();
    private final InMemoryAssignmentStore assignments = new InMemoryAssignmentStore();
    private double nextRandom = 0.5;
    private final StickyRouter router = new StickyRouter(
            new StickyRouter.Settings("rag-answer", "live", null, Duration.ofSeconds(5), 0.10),
            rollouts, assignments, clock, () -> nextRandom);

    private RolloutState active(String stage, double weight) {
        RolloutState state = Plans.initialState(Plans.twoRegions(), "41").withStage(stage, weight, Map.of());
        rollouts.put(state);
        return state;
    }

    /** An active rollout at stage five whose sticky key is the top-level body field {@code field}. */
    private void activeKeyedByBodyField(String field) {
        RolloutState state = Plans.initialState(Plans.twoRegions(), "41");
        rollouts.put(new RolloutState(state.rolloutId(), state.functionName(), state.alias(), "41", "42", "five", 0.05,
                1, RolloutStatus.ACTIVE, Map.of(), state.trustedTenants(), field, "body", 24, "v2-cnr:", 1, 1, null, null,
                Map.of(), Map.of()));
    }

    private static RouteRequest headers(String... pairs) {
        return new RouteRequest(map(pairs), () -> null);
    }

    /** A request from {@code tenant} as its front door verified it, keyed by that tenant. */
    private static RouteRequest fromVerifiedTenant(String tenant, String... pairs) {
        Map<String, String> headers = map(pairs);
        headers.put("x-tenant-id", tenant);
        return new RouteRequest(headers, () -> null, tenant);
    }

    private static Map<String, String> map(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    /** A tenant whose bucket puts it on the canary at {@code weight} (or off it when {@code canary} is false). */
    private static String tenant(boolean canary, double weight) {
        return IntStream.range(0, 100_000).mapToObj(i -> "tenant-" + i)
                .filter(t -> StickyBucket.isCanary("rag-answer-live-v42", t, weight) == canary)
                .findFirst().orElseThrow();
    }

    @Test
    void withoutARolloutEverythingGoesToTheAlias() {
        RouteDecision decision = router.route(headers("x-tenant-id", "t1"));

        assertThat(decision.variant()).isEqualTo(Variant.ALIAS);
        assertThat(decision.qualifier()).isEqualTo("live");
        assertThat(decision.reason()).isEqualTo(Reason.NO_ACTIVE_ROLLOUT);
    }

    @Test
    void aRouterInvokesTheVersionsOfItsOwnRegion() {
        Map<String, String> controls = new java.util.LinkedHashMap<>();
        controls.put("us-east-1", "41");
        controls.put("eu-west-1", "15");
        rollouts.put(RolloutState.initial(Plans.perRegionVersions(), controls, null, Step.first("start"), clock.instant())
                .withStage("ten", 0.10, Map.of("us-east-1", 0.10, "eu-west-1", 0.10)));
        StickyRouter inEurope = new StickyRouter(new StickyRouter.Settings("rag-answer", "live", "eu-west-1",
                Duration.ofSeconds(5), 0.10), rollouts, assignments, clock, () -> nextRandom);

        RouteDecision canary = inEurope.route(headers("x-tenant-id", tenant(true, 0.10)));
        RouteDecision control = inEurope.route(headers("x-tenant-id", tenant(false, 0.10)));

        assertThat(canary.variant()).isEqualTo(Variant.CANARY);
        assertThat(canary.qualifier()).isEqualTo("17");
        assertThat(control.qualifier()).isEqualTo("15");
    }

    @Test
    void theStateReportedAfterRoutingIsTheOneTheDecisionUsedEvenIfTheStoreMovedOn() {
        assertThat(router.currentState()).isEmpty();
        RolloutState atFive = active("five", 0.05);
        router.route(headers("x-tenant-id", "t1"));

        active("ten", 0.10);
        clock.advance(Duration.ofSeconds(5));

        assertThat(router.currentState()).contains(atFive);
        router.route(headers("x-tenant-id", "t1"));
        assertThat(router.currentState().orElseThrow().stage()).isEqualTo("ten");
    }

    @Test
    void unkeyedRequestsGoToTheAliasWhichSplitsByItsWeights() {
        active("five", 0.05);

        assertThat(router.route(headers()).variant()).isEqualTo(Variant.ALIAS);
        assertThat(router.route(headers()).reason()).isEqualTo(Reason.UNKEYED);
    }

    @Test
    void aKeyIsBucketedOnceThenServedFromItsAssignment() {
        active("five", 0.05);
        String onCanary = tenant(true, 0.05);

        RouteDecision first = router.route(headers("x-tenant-id", onCanary));
        RouteDecision second = router.route(headers("x-tenant-id", onCanary));

        assertThat(first.variant()).isEqualTo(Variant.CANARY);
        assertThat(first.qualifier()).isEqualTo("42");
        assertThat(first.reason()).isEqualTo(Reason.NEWLY_ASSIGNED);
        assertThat(second.variant()).isEqualTo(Variant.CANARY);
        assertThat(second.reason()).isEqualTo(Reason.ASSIGNED);
        assertThat(router.route(headers("x-tenant-id", tenant(false, 0.05))).qualifier()).isEqualTo("41");
    }

    @Test
    void anExpiredAssignmentIsIgnoredEvenIfTheStoreStillHoldsIt() {
        RolloutState state = active("five", 0.05);
        String key = tenant(false, 0.05);
        assignments.items.put("rag-answer#live#" + key, new Assignment(key, state.rolloutId(), state.epoch(),
                Variant.CANARY, "42", 0.05, clock.instant().minusSeconds(1)));

        RouteDecision decision = router.route(headers("x-tenant-id", key));

        assertThat(decision.variant()).isEqualTo(Variant.CONTROL);
        assertThat(decision.reason()).isEqualTo(Reason.NEWLY_ASSIGNED);
    }

    @Test
    void anAssignmentFromAnOlderEpochOrAnotherRolloutIsIgnored() {
        RolloutState state = active("five", 0.05);
        String key = tenant(false, 0.05);
        Instant later = clock.instant().plusSeconds(3600);
        assignments.items.put("rag-answer#live#" + key, new Assignment(key, state.rolloutId(), 0, Variant.CANARY, "42", 0.05, later));
        assertThat(router.route(headers("x-tenant-id", key)).variant()).isEqualTo(Variant.CONTROL);

        assignments.items.put("rag-answer#live#" + key, new Assignment(key, "older-rollout", 1, Variant.CANARY, "40", 0.05, later));
        assertThat(router.route(headers("x-tenant-id", key)).variant()).isEqualTo(Variant.CONTROL);
    }

    @Test
    void raisingTheWeightMovesControlKeysWhoseBucketIsNowInsideButKeepsCanaryKeys() {
        active("five", 0.05);
        String joinsAtTen = IntStream.range(0, 100_000).mapToObj(i -> "tenant-" + i)
                .filter(t -> !StickyBucket.isCanary("rag-answer-live-v42", t, 0.05)
                        && StickyBucket.isCanary("rag-answer-live-v42", t, 0.10))
                .findFirst().orElseThrow();
        String canaryAtFive = tenant(true, 0.05);
        assertThat(router.route(headers("x-tenant-id", joinsAtTen)).variant()).isEqualTo(Variant.CONTROL);
        assertThat(router.route(headers("x-tenant-id", canaryAtFive)).variant()).isEqualTo(Variant.CANARY);

        active("ten", 0.10);
        clock.advance(Duration.ofSeconds(5));

        assertThat(router.route(headers("x-tenant-id", joinsAtTen)).variant()).isEqualTo(Variant.CANARY);
        assertThat(router.route(headers("x-tenant-id", canaryAtFive)).reason()).isEqualTo(Reason.ASSIGNED);
    }

    @Test
    void aLostRaceUsesTheWinnersAssignment() {
        RolloutState state = active("five", 0.05);
        String key = tenant(false, 0.05);
        Assignment winner = new Assignment(key, state.rolloutId(), state.epoch(), Variant.CANARY, "42", 0.05,
                clock.instant().plusSeconds(3600));
        AssignmentStore racing = new AssignmentStore() {
            @Override
            public Optional<Assignment> get(String functionName, String alias, String stickyKey) {
                return Optional.empty();
            }

            @Override
            public Claim claim(String functionName, String alias, Assignment candidate, Instant now) {
                return new Claim(winner, false);
            }
        };
        StickyRouter loser = new StickyRouter(new StickyRouter.Settings("rag-answer", "live", null, Duration.ofSeconds(5), 0),
                rollouts, racing, clock, () -> 1);

        RouteDecision decision = loser.route(headers("x-tenant-id", key));

        assertThat(decision.variant()).isEqualTo(Variant.CANARY);
        assertThat(decision.reason()).isEqualTo(Reason.LOST_RACE);
    }

    @Test
    void xExpIsHonouredOnlyForTrustedTenants() {
        active("five", 0.05);
        String stranger = tenant(false, 0.05);

        RouteDecision trusted = router.route(fromVerifiedTenant("acme-internal", "x-exp", "canary"));
        RouteDecision untrusted = router.route(fromVerifiedTenant(stranger, "x-exp", "canary"));

        assertThat(trusted.variant()).isEqualTo(Variant.CANARY);
        assertThat(trusted.reason()).isEqualTo(Reason.TRUSTED_EXPERIMENT);
        assertThat(untrusted.variant()).isEqualTo(Variant.CONTROL);
        assertThat(untrusted.experimentIgnored()).isTrue();
    }

    @Test
    void aTrustedTenantNamedOnlyByTheClientIsNotTrusted() {
        active("five", 0.05);
        String stranger = tenant(false, 0.05);

        RouteDecision claimedByHeader = router.route(headers("x-tenant-id", "acme-internal", "x-exp", "canary"));
        RouteDecision claimedBesideItsOwnTenant = router.route(
                new RouteRequest(map("x-tenant-id", "acme-internal", "x-exp", "canary"), () -> null, stranger));

        assertThat(claimedByHeader.reason()).isNotIn(Reason.TRUSTED_EXPERIMENT, Reason.TRUSTED_TENANT);
        assertThat(claimedByHeader.experimentIgnored()).isTrue();
        assertThat(claimedBesideItsOwnTenant.reason()).isNotIn(Reason.TRUSTED_EXPERIMENT, Reason.TRUSTED_TENANT);
        assertThat(claimedBesideItsOwnTenant.experimentIgnored()).isTrue();
    }

    @Test
    void trustedTenantsJoinTheCanaryFromStageFiveUnlessTheyAskForTheControl() {
        active("one", 0.01);
        assertThat(router.route(fromVerifiedTenant("acme-internal")).reason()).isNotEqualTo(Reason.TRUSTED_TENANT);

        active("five", 0.05);
        clock.advance(Duration.ofSeconds(5));
        RouteDecision atFive = router.route(fromVerifiedTenant("acme-internal"));
        RouteDecision optedOut = router.route(fromVerifiedTenant("acme-internal", "x-exp", "control"));

        assertThat(atFive.variant()).isEqualTo(Variant.CANARY);
        assertThat(atFive.reason()).isEqualTo(Reason.TRUSTED_TENANT);
        assertThat(optedOut.variant()).isEqualTo(Variant.CONTROL);
    }

    @Test
    void aClientsXWarmHeaderIsAnOrdinaryCountedRequest() {
        active("five", 0.05);

        RouteDecision decision = router.route(headers("x-tenant-id", tenant(true, 0.05), "x-warm", "true"));

        assertThat(decision.warmPing()).isFalse();
        assertThat(decision.reason()).isEqualTo(Reason.NEWLY_ASSIGNED);
        assertThat(assignments.items).hasSize(1);
    }

    @Test
    void aWarmUpReachesTheControlAndTheCanaryWhileARolloutIsActiveElseTheAliasOrAfterARollbackTheControl() {
        assertThat(router.warmUp()).extracting(RouteDecision::qualifier).containsExactly("live");

        active("shadow", 0);
        clock.advance(Duration.ofSeconds(5));
        assertThat(router.warmUp()).extracting(RouteDecision::qualifier).containsExactly("41", "42");
        assertThat(router.warmUp()).allSatisfy(ping -> {
            assertThat(ping.warmPing()).isTrue();
            assertThat(ping.reason()).isEqualTo(Reason.WARM_UP);
            assertThat(ping.mirrorToCanary()).isFalse();
        });

        rollouts.put(rollouts.read("rag-answer", "live").orElseThrow().withStatus(RolloutStatus.ROLLED_BACK, 2));
        clock.advance(Duration.ofSeconds(5));
        assertThat(router.warmUp()).extracting(RouteDecision::qualifier).containsExactly("41");
        assertThat(assignments.items).isEmpty();
        assertThat(router.fallbackCount()).isZero();
    }

    @Test
    void whenTheAssignmentStoreIsDownRequestsGoToTheControlAndAreCounted() {
        active("fifty", 0.50);
        assignments.fail = new IllegalStateException("connection refused");

        RouteDecision decision = router.route(headers("x-tenant-id", tenant(true, 0.50)));

        assertThat(decision.variant()).isEqualTo(Variant.CONTROL);
        assertThat(decision.qualifier()).isEqualTo("41");
        assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
        assertThat(decision.fallback()).isTrue();
        assertThat(router.fallbackCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "last seen {0}: {1} ({2})")
    @CsvSource({"ACTIVE, CONTROL, 41", "ROLLED_BACK, CONTROL, 41", "PROMOTED, ALIAS, live", "RELEASED, ALIAS, live"})
    void whenTheStateStoreGoesDownRequestsGoWhereTheLastSeenStatusSendsThem(RolloutStatus lastSeen, Variant expected,
                                                                           String qualifier) {
        rollouts.put(Plans.initialState(Plans.twoRegions(), "41").withStage("full", 1.0, Map.of())
                .withStatus(lastSeen, 2));
        router.route(headers());
        rollouts.failReads = new IllegalStateException("timeout");
        clock.advance(Duration.ofSeconds(6));

        RouteDecision decision = router.route(headers("x-tenant-id", tenant(true, 0.50)));

        assertThat(decision.variant()).isEqualTo(expected);
        assertThat(decision.qualifier()).isEqualTo(qualifier);
        assertThat(decision.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
        assertThat(decision.fallback()).isTrue();
        assertThat(router.fallbackCount()).isEqualTo(1);
    }

    @Test
    void aRouterThatHasNeverReadTheStateSendsRequestsToTheAliasWhenTheStoreIsDown() {
        rollouts.failReads = new IllegalStateException("timeout");

        RouteDecision decision = router.route(headers("x-tenant-id", "t1"));

        assertThat(decision.variant()).isEqualTo(Variant.ALIAS);
        assertThat(decision.qualifier()).isEqualTo("live");
        assertThat(decision.fallback()).isTrue();
        assertThat(router.fallbackCount()).isEqualTo(1);
    }

    @Test
    void aRollbackReachesTheRouterWhenItsStateCacheExpires() {
        RolloutState state = active("fifty", 0.50);
        String key = tenant(true, 0.50);
        assertThat(router.route(headers("x-tenant-id", key)).variant()).isEqualTo(Variant.CANARY);

        rollouts.put(state.withStage("fifty", 0, Map.of()).withStatus(RolloutStatus.ROLLED_BACK, 2));
        clock.advance(Duration.ofSeconds(4));
        assertThat(router.route(headers("x-tenant-id", key)).variant()).isEqualTo(Variant.CANARY);
        clock.advance(Duration.ofSeconds(1));

        RouteDecision after = router.route(headers("x-tenant-id", key));
        assertThat(after.variant()).isEqualTo(Variant.CONTROL);
        assertThat(after.reason()).isEqualTo(Reason.ROLLED_BACK);
    }

    @Test
    void theShadowStageMirrorsASampleToTheCanaryWhileUsersStayOnTheControl() {
        active("shadow", 0.0);

        nextRandom = 0.05;
        RouteDecision sampled = router.route(headers("x-tenant-id", "t1"));
        nextRandom = 0.5;
        RouteDecision notSampled = router.route(headers("x-tenant-id", "t2"));

        assertThat(sampled.variant()).isEqualTo(Variant.CONTROL);
        assertThat(sampled.mirrorToCanary()).isTrue();
        assertThat(sampled.canaryQualifier()).isEqualTo("42");
        assertThat(notSampled.mirrorToCanary()).isFalse();

        active(RolloutState.START_STAGE, 0.0);
        clock.advance(Duration.ofSeconds(5));
        nextRandom = 0.05;
        assertThat(router.route(headers("x-tenant-id", "t1")).mirrorToCanary()).as("before the shadow stage").isFalse();
    }

    @Test
    void noStageAfterTheShadowStageMirrorsSoTheCanarySinkReceivesNothingFromThenOn() {
        for (String stage : List.of("one", "five", "fifty")) {
            active(stage, stage.equals("fifty") ? 0.5 : 0.05);
            clock.advance(Duration.ofSeconds(5));
            nextRandom = 0.0;
            assertThat(router.route(headers("x-tenant-id", "t1")).mirrorToCanary()).as(stage).isFalse();
        }
    }

    @Test
    void aRouterOutsideThePilotRegionKeepsEveryoneOnTheControlUntilStageTen() {
        StickyRouter inEurope = new StickyRouter(new StickyRouter.Settings("rag-answer", "live", "eu-west-1",
                Duration.ofSeconds(5), 0), rollouts, assignments, clock, () -> 1);
        String onCanary = tenant(true, 0.05);
        rollouts.put(Plans.initialState(Plans.twoRegions(), "41")
                .withStage("five", 0.05, Map.of("us-east-1", 0.05, "eu-west-1", 0.0)));

        assertThat(inEurope.route(headers("x-tenant-id", onCanary)).variant()).isEqualTo(Variant.CONTROL);
        assertThat(router.route(headers("x-tenant-id", tenant(true, 0.05))).variant()).isEqualTo(Variant.CANARY);

        rollouts.put(Plans.initialState(Plans.twoRegions(), "41")
                .withStage("ten", 0.10, Map.of("us-east-1", 0.10, "eu-west-1", 0.10)));
        clock.advance(Duration.ofSeconds(5));
        assertThat(inEurope.route(headers("x-tenant-id", onCanary)).variant()).isEqualTo(Variant.CANARY);
    }

    @Test
    void theStickyKeyCanComeFromTheJsonBody() {
        activeKeyedByBodyField("userId");
        JsonNode body = Json.parse("body", "{\"userId\": \"" + tenant(true, 0.05) + "\", \"question\": \"q\"}");

        RouteDecision decision = router.route(new RouteRequest(Map.of(), () -> body));

        assertThat(decision.variant()).isEqualTo(Variant.CANARY);
        assertThat(decision.stickyKey()).isEqualTo(tenant(true, 0.05));
    }

    @Test
    void aBodyKeyedRequestWhoseBodyIsNotAJsonObjectIsUnparseableAndGoesToTheControl() {
        activeKeyedByBodyField("userId");
        JsonNode array = Json.parse("body", "[{\"userId\": \"" + tenant(true, 0.05) + "\"}]");

        RouteDecision decision = router.route(new RouteRequest(Map.of(), () -> array));

        assertThat(decision.variant()).isEqualTo(Variant.CONTROL);
        assertThat(decision.reason()).isEqualTo(Reason.UNPARSEABLE);
        assertThat(decision.fallback()).isTrue();
        assertThat(router.fallbackCount()).isEqualTo(1);
    }

    @Test
    void aStickyKeyTooLongToStoreIsUnparseableAndNeverReachesTheStore() {
        active("five", 0.05);
        String tooLong = "k".repeat(RouteRequest.MAX_STICKY_KEY_BYTES + 1);

        RouteDecision decision = router.route(headers("x-tenant-id", tooLong));

        assertThat(decision.variant()).isEqualTo(Variant.CONTROL);
        assertThat(decision.reason()).isEqualTo(Reason.UNPARSEABLE);
        assertThat(assignments.items).isEmpty();
        assertThat(router.route(headers("x-tenant-id", "k".repeat(RouteRequest.MAX_STICKY_KEY_BYTES))).reason())
                .isEqualTo(Reason.NEWLY_ASSIGNED);
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
