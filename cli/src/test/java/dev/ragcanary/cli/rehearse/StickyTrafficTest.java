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

    @Test
    void usersStayOnTheirVariantExceptWhenAWeightIncreaseAddsThemOrARollbackMovesThemBack() throws Exception {
        RolloutRequest plan = plan("sticky-ok");
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
        StickyTraffic traffic = new StickyTraffic(plan.target().functionName(), "live", "us-east-1", store,
                new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"), "x-tenant-id", "header", Duration.ofHours(24), USERS, SEED);
        RolloutState state = store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), Instant.parse("2026-11-26T10:00:00Z")));

        Traffic shadow = traffic.window(t0, t0.plusSeconds(900));
        state = store.update(state.withStage("one", 0.01, weights(0.01)));
        Traffic one = traffic.window(t0.plusSeconds(900), t0.plusSeconds(2700));
        state = store.update(state.withStage("five", 0.05, weights(0.05)));
        Traffic five = traffic.window(t0.plusSeconds(2700), t0.plusSeconds(4500));
        Traffic fiveAgain = traffic.window(t0.plusSeconds(4500), t0.plusSeconds(6300));
        store.update(state.withStage("five", 0.0, weights(0.0)).withStatus(RolloutStatus.ROLLED_BACK, state.epoch() + 1));
        Traffic after = traffic.window(t0.plusSeconds(6300), t0.plusSeconds(6900));

        assertThat(shadow.canaryRequests()).isZero();
        assertThat(one.canaryRequests()).isEqualTo(expectedCanary("sticky-ok", 0.01));
        assertThat(five.canaryRequests()).isEqualTo(expectedCanary("sticky-ok", 0.05)).isGreaterThan(one.canaryRequests());
        assertThat(fiveAgain.canaryRequests()).isEqualTo(five.canaryRequests());
        assertThat(five.effectiveCanaryShare()).isEqualTo((double) five.canaryRequests() / USERS);
        assertThat(after.canaryRequests()).isZero();
        Stickiness stickiness = traffic.stickiness();
        assertThat(stickiness.switchedInsideWindow()).isZero();
        assertThat(stickiness.addedByWeightIncrease()).isEqualTo(five.canaryRequests());
        assertThat(stickiness.movedBackByRollback()).isEqualTo(five.canaryRequests());
        assertThat(stickiness.requests()).isEqualTo(5L * USERS);
    }

    @Test
    void aRouterThatForgetsAssignmentsWhileTheWeightDropsIsCaughtSwitchingUsers() throws Exception {
        RolloutRequest plan = plan("sticky-broken");
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
        Forgetful assignments = new Forgetful(new DynamoDbAssignmentStore(DYNAMO.client(), "assignments"));
        StickyTraffic traffic = new StickyTraffic(plan.target().functionName(), "live", "us-east-1", store, assignments,
                "x-tenant-id", "header", Duration.ofHours(24), USERS, SEED);
        RolloutState state = store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), Instant.parse("2026-11-26T10:00:00Z")));
        state = store.update(state.withStage("five", 0.05, weights(0.05)));
        Traffic five = traffic.window(t0, t0.plusSeconds(1800));

        assignments.delegate = new DynamoDbAssignmentStore(DYNAMO.client(), "assignments-lost");
        store.update(state.withStage("one", 0.01, weights(0.01)));
        traffic.window(t0.plusSeconds(1800), t0.plusSeconds(3600));

        assertThat(traffic.stickiness().switchedInsideWindow())
                .isEqualTo(five.canaryRequests() - expectedCanary("sticky-broken", 0.01)).isPositive();
        assertThat(traffic.stickiness().movedBackByRollback()).isZero();
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
