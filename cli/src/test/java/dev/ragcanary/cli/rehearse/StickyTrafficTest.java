package dev.ragcanary.cli.rehearse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.cli.rehearse.RehearsalReport.Stickiness;
import dev.ragcanary.cli.rehearse.RehearsalReport.Traffic;
import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.Assignment;
import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.adapters.dynamodb.DynamoDbAssignmentStore;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.testsupport.DynaliteExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sticky users through the real router and the DynamoDB stores on dynalite, the rollout state moved by hand. */
class StickyTrafficTest {
    static final int USERS = 300;
    static final long SEED = 7;

    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> {
        d.createRolloutsTable("rollouts");
        d.createAssignmentsTable("assignments");
        d.createAssignmentsTable("assignments-lost");
    });

    final Instant t0 = Instant.parse("2026-01-05T09:00:00Z");

    RolloutRequest plan(String rolloutId) throws Exception {
        Path start = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(start.resolve("events"))) {
            start = start.getParent();
        }
        return RolloutRequestParser.parse(Files.readString(start.resolve("events/start-rollout.json"))
                .replace("rag-answer-live-v42", rolloutId).replace("\"rag-answer\"", "\"fn-" + rolloutId + "\""));
    }

    static Map<String, Double> weights(double weight) {
        Map<String, Double> regions = new LinkedHashMap<>();
        regions.put("us-east-1", weight);
        regions.put("eu-west-1", weight >= 0.10 ? weight : 0.0);
        return regions;
    }

    /** The users the bucket puts on the canary at this weight: what the router must serve, exactly. */
    static long expectedCanary(String rolloutId, double weight) {
        return IntStream.range(0, USERS).filter(i -> StickyBucket.isCanary(StickyBucket.bucket(rolloutId, "user-" + SEED + "-" + i), weight)).count();
    }

    StickyTraffic traffic(RolloutRequest plan, DynamoDbRolloutStore store, AssignmentStore assignments,
                          StickyTraffic.Routing routing) {
        return new StickyTraffic(plan.target().functionName(), "live", "us-east-1", store, assignments, "x-tenant-id",
                "header", Duration.ofHours(24), t0, USERS, SEED, routing, StickyTraffic.Answering.NOBODY);
    }

    @Test
    void usersStayOnTheirVariantExceptWhenAWeightIncreaseAddsThemOrARollbackMovesThemBack() throws Exception {
        RolloutRequest plan = plan("sticky-ok");
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
        StickyTraffic traffic = traffic(plan, store, new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"),
                StickyTraffic.Routing.DIRECT);
        RolloutState state = store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), Instant.parse("2026-11-26T10:00:00Z")));

        Traffic shadow = traffic.window("shadow", t0, t0.plusSeconds(900));
        state = store.update(state.withStage("one", 0.01, weights(0.01)));
        Traffic one = traffic.window("one", t0.plusSeconds(900), t0.plusSeconds(2700));
        state = store.update(state.withStage("five", 0.05, weights(0.05)));
        Traffic five = traffic.window("five", t0.plusSeconds(2700), t0.plusSeconds(4500));
        assertThat(traffic.window("five", t0.plusSeconds(2700), t0.plusSeconds(4500))).as("a window asked for again (a retried gate)")
                .isEqualTo(five);
        Traffic fiveAgain = traffic.window("five again", t0.plusSeconds(4500), t0.plusSeconds(6300));
        store.update(state.withStage("five", 0.0, weights(0.0)).withStatus(RolloutStatus.ROLLED_BACK, state.epoch() + 1));
        Traffic after = traffic.window("after", t0.plusSeconds(6300), t0.plusSeconds(6900));

        assertThat(shadow.canaryRequests()).isZero();
        assertThat(one.canaryRequests()).isEqualTo(expectedCanary("sticky-ok", 0.01));
        assertThat(five.canaryRequests()).isEqualTo(expectedCanary("sticky-ok", 0.05)).isGreaterThan(one.canaryRequests());
        assertThat(fiveAgain.canaryRequests()).isEqualTo(five.canaryRequests());
        assertThat(five.effectiveCanaryShare()).isEqualTo((double) five.canaryRequests() / USERS);
        assertThat(after.canaryRequests()).isZero();
        assertThat(five.canaryUsers()).isEqualTo(five.canaryRequests());
        Stickiness stickiness = traffic.stickiness();
        assertThat(stickiness.violatingRequests()).isZero();
        assertThat(stickiness.held()).isTrue();
        assertThat(stickiness.addedByWeightIncrease()).isEqualTo(five.canaryRequests());
        assertThat(stickiness.movedBackByRollback()).isEqualTo(five.canaryRequests());
        assertThat(stickiness.requests()).isEqualTo(5L * USERS);
    }

    @Test
    void aRouterThatForgetsAssignmentsWhileTheWeightDropsIsCaughtMovingUsersBackWithoutARollback() throws Exception {
        RolloutRequest plan = plan("sticky-broken");
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
        Forgetful assignments = new Forgetful(new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"));
        StickyTraffic traffic = traffic(plan, store, assignments, StickyTraffic.Routing.DIRECT);
        RolloutState state = store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), Instant.parse("2026-11-26T10:00:00Z")));
        state = store.update(state.withStage("five", 0.05, weights(0.05)));
        Traffic five = traffic.window("five", t0, t0.plusSeconds(1800));

        assignments.delegate = new DynamoDbAssignmentStore(DYNAMO.client(), "assignments-lost");
        store.update(state.withStage("one", 0.01, weights(0.01)));
        traffic.window("one", t0.plusSeconds(1800), t0.plusSeconds(3600));

        Stickiness stickiness = traffic.stickiness();
        assertThat(stickiness.violatingUsers()).isEqualTo(five.canaryUsers() - expectedCanary("sticky-broken", 0.01)).isPositive();
        assertThat(stickiness.held()).isFalse();
        assertThat(stickiness.movedBackByRollback()).isZero();
        assertThat(stickiness.examples()).hasSize(StickyTraffic.EXAMPLES).allSatisfy(v -> {
            assertThat(v.before() + " -> " + v.served()).isEqualTo("CANARY -> CONTROL");
            assertThat(v.why()).startsWith("moved back to the control without a rollback (epoch 1 unchanged)");
        });
    }

    /**
     * A router that buckets a key other than the user's (here: the key with a prefix, as a router with another salt
     * would) is as sticky as the real one and only ever adds users when the weight rises, so only the bucket check
     * catches it: users on the canary whose own bucket is above the weight.
     */
    @Test
    void aRouterThatIgnoresTheUsersBucketIsCaughtPuttingUsersOnTheCanaryAboveTheWeight() throws Exception {
        RolloutRequest plan = plan("sticky-wrong-bucket");
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
        StickyTraffic.Routing otherKey = (router, request) -> router.route(new RouteRequest(
                Map.of("x-tenant-id", "elsewhere:" + request.header("x-tenant-id")), () -> null));
        StickyTraffic traffic = traffic(plan, store, new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"), otherKey);
        RolloutState state = store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), Instant.parse("2026-11-26T10:00:00Z")));
        traffic.window("shadow", t0, t0.plusSeconds(900));
        state = store.update(state.withStage("five", 0.05, weights(0.05)));
        Traffic five = traffic.window("five", t0.plusSeconds(900), t0.plusSeconds(2700));
        store.update(state.withStage("fifty", 0.5, weights(0.5)));
        Traffic fifty = traffic.window("fifty", t0.plusSeconds(2700), t0.plusSeconds(4500));

        long wronglyOnTheCanary = IntStream.range(0, USERS).filter(i -> {
            String user = "user-" + SEED + "-" + i;
            return StickyBucket.isCanary("sticky-wrong-bucket", "elsewhere:" + user, 0.5)
                    && !StickyBucket.isCanary("sticky-wrong-bucket", user, 0.5);
        }).count();
        Stickiness stickiness = traffic.stickiness();
        assertThat(five.canaryUsers()).isPositive();
        assertThat(fifty.canaryUsers()).isGreaterThan(five.canaryUsers());
        assertThat(stickiness.violatingUsers()).as("users on the canary above the weight at fifty (at least)")
                .isGreaterThanOrEqualTo(wronglyOnTheCanary).isPositive();
        assertThat(stickiness.examples()).isNotEmpty().allSatisfy(v -> assertThat(v.served()).isEqualTo("CANARY"));
        assertThat(stickiness.examples().get(0).why()).containsPattern("^on the canary with bucket \\d+, not under the weight 5.00% \\(buckets below 500\\)$");
    }

    /** An assignment store whose table can be swapped for an empty one: a router that lost its assignments. */
    static final class Forgetful implements AssignmentStore {
        volatile AssignmentStore delegate;

        Forgetful(AssignmentStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<Assignment> get(String functionName, String alias, String stickyKey) {
            return delegate.get(functionName, alias, stickyKey);
        }

        @Override
        public Claim claim(String functionName, String alias, Assignment candidate, Instant now) {
            return delegate.claim(functionName, alias, candidate, now);
        }
    }
}
