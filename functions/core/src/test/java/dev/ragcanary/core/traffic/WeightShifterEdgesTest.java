package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.EdgeConfigPublisher.EdgeRefusedException;
import dev.ragcanary.core.ports.TransientFailureException;
import dev.ragcanary.core.rollout.RolloutRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Edges are regions to the weight shifter: published on every change, read back, and a rollback is not done without them. */
class WeightShifterEdgesTest {
    private static final String OWNER = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:first";
    private final RolloutRequest plan = Plans.withEdges();
    private final FakeAliasControl aliases = new FakeAliasControl()
            .alias("us-east-1", "41", Map.of())
            .alias("eu-west-1", "41", Map.of());
    private final FakeFunctionVersions versions = new FakeFunctionVersions()
            .publish("us-east-1", "41", "42").publish("eu-west-1", "41", "42");
    private final InMemoryRolloutStore store = new InMemoryRolloutStore();
    private final FakeEdgeStores edges = new FakeEdgeStores();
    private final WeightShifter shifter = new WeightShifter(aliases, versions, store, new InMemoryLedger(),
            CachePurger.NONE, edges, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
            java.time.Duration.ZERO);
    private int steps;

    private Step step() {
        return Step.first("edge-request-" + (++steps));
    }

    @Test
    void everyShiftPromotionAndReleaseIsPublishedToEveryEdgeWithTheStatesRevision() {
        shifter.start(plan, OWNER, step());
        RolloutState one = shifter.shift(plan, "one", OWNER, step());

        EdgeConfigDocument published = edges.on("cloudflare").orElseThrow();
        assertThat(published.stage()).isEqualTo("one");
        assertThat(published.weight()).isEqualTo(0.01);
        assertThat(published.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(published.revision()).isEqualTo(one.revision());
        assertThat(published.salt()).isEqualTo("rag-answer-live-v42");
        assertThat(published.controlVersion()).isEqualTo("41");
        assertThat(published.canaryVersion()).isEqualTo("42");
        assertThat(published.trustedTenants()).containsExactly("acme-internal");
        assertThat(edges.on("fastly")).contains(published);
        assertThat(Contract.EDGE_CONFIG.problems(Json.MAPPER.valueToTree(published)))
                .as("schemas/edge-config.schema.json (contract A)").isEmpty();

        shifter.promote(plan, OWNER, step());
        assertThat(edges.on("fastly").orElseThrow().status()).isEqualTo(RolloutStatus.PROMOTED);
        RolloutState released = shifter.release(plan, "done", step());
        assertThat(edges.on("cloudflare").orElseThrow().status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(edges.on("cloudflare").orElseThrow().revision()).isEqualTo(released.revision());
    }

    @Test
    void aShiftAnEdgeRefusesDoesNotAdvanceAndARetryOfTheSameStepPublishesIt() {
        shifter.start(plan, OWNER, step());
        edges.failNextWrites("fastly", new EdgeRefusedException("fastly: 401 Provided credentials are missing or invalid"));
        Step shift = step();

        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, shift)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not advance").hasMessageContaining("edge fastly")
                .hasMessageContaining("401");
        assertThat(edges.on("cloudflare").orElseThrow().stage()).as("the other edge is still published").isEqualTo("one");

        RolloutState retried = shifter.shift(plan, "one", OWNER, new Step(shift.token(), 2));
        assertThat(edges.on("fastly").orElseThrow().revision()).isEqualTo(retried.revision());
    }

    @Test
    void aThrottledEdgeFailsTheShiftAsTransientForTheRetryOwner() {
        shifter.start(plan, OWNER, step());
        edges.failNextWrites("cloudflare", new TransientFailureException("cloudflare: 429, retry after 30 s"));

        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, step()))
                .isInstanceOf(TransientFailureException.class).hasMessageContaining("retry after 30 s");
    }

    @Test
    void aWriteWhoseResponseWasLostIsFoundByTheRetrysReadAndNotWrittenOverANewerOne() {
        shifter.start(plan, OWNER, step());
        edges.loseNextResponse("cloudflare", new TransientFailureException("cloudflare: timed out"));
        Step shift = step();
        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, shift)).isInstanceOf(TransientFailureException.class);
        RolloutState one = shifter.shift(plan, "one", OWNER, new Step(shift.token(), 2));

        assertThat(edges.on("cloudflare").orElseThrow().revision()).isEqualTo(one.revision());
        assertThat(edges.on("cloudflare").orElseThrow().stage()).isEqualTo("one");
    }

    @Test
    void aRollbackThatCannotReachAnEdgeKeepsTheLockAndTheReleaseWaitsForTheEdgeToReadWeightZero() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        edges.failNextWrites("fastly", new TransientFailureException("fastly: 503"));

        assertThatThrownBy(() -> shifter.rollback(plan, "gate", step())).hasMessageContaining("edge fastly")
                .hasMessageContaining("run rollback again");
        assertThat(store.read("rag-answer", "live").orElseThrow().lockKept()).isTrue();
        assertThat(edges.on("fastly").orElseThrow().weight()).as("still the raise").isEqualTo(0.01);

        edges.failNextWrites("fastly", new TransientFailureException("fastly: 503"));
        assertThatThrownBy(() -> shifter.release(plan, "after rollback", step())).isInstanceOf(LockKeptException.class)
                .hasMessageContaining("edge fastly");
        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isEqualTo(RolloutStatus.ROLLED_BACK);

        shifter.release(plan, "after rollback", step());
        EdgeConfigDocument now = edges.on("fastly").orElseThrow();
        assertThat(now.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(now.weight()).isZero();
        assertThat(now.epoch()).isEqualTo(2);
    }

    @Test
    void aRollbackCommittedWhileARaiseIsPublishingIsTheLastDocumentOnEveryEdge() {
        shifter.start(plan, OWNER, step());
        // The rollback commits and publishes between the raise's read and its write landing (no conditional write).
        edges.beforeNextWrite(() -> shifter.rollback(plan, "gate said ROLLBACK", step()));

        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, step())).isInstanceOf(RolloutFencedException.class);

        for (String edge : new String[] {"cloudflare", "fastly"}) {
            EdgeConfigDocument now = edges.on(edge).orElseThrow();
            assertThat(now.status()).as(edge).isEqualTo(RolloutStatus.ROLLED_BACK);
            assertThat(now.weight()).as(edge).isZero();
        }
        assertThat(aliases.read("us-east-1", "rag-answer", "live").additionalVersionWeights()).isEmpty();
    }

    @Test
    void aLatePublishOfAnOlderRevisionNeverOverwritesTheNewerDocument() {
        shifter.start(plan, OWNER, step());
        RolloutState one = shifter.shift(plan, "one", OWNER, step());
        shifter.rollback(plan, "gate", step());
        int writes = edges.writes.size();

        // The shift runs again late (a duplicate delivery): it is fenced, and the edges keep the rollback.
        assertThatThrownBy(() -> shifter.shift(plan, "five", OWNER, step())).isInstanceOf(RolloutFencedException.class);
        new EdgePublishing(edges, Clock.systemUTC()).publish(plan, one);

        assertThat(edges.writes).hasSize(writes);
        assertThat(edges.on("cloudflare").orElseThrow().status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    }

    @Test
    void aPromotionRetriedAfterItsEdgesFailedPublishesThemBeforeItReturns() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        edges.failNextWrites("cloudflare", new TransientFailureException("cloudflare: 502"));
        assertThatThrownBy(() -> shifter.promote(plan, OWNER, step())).isInstanceOf(TransientFailureException.class);
        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isEqualTo(RolloutStatus.PROMOTED);

        shifter.promote(plan, OWNER, step());

        assertThat(edges.on("cloudflare").orElseThrow().status()).isEqualTo(RolloutStatus.PROMOTED);
    }

    @Test
    void anEdgeHoldingTheDocumentOfAFinishedRolloutGetsTheNewOne() {
        shifter.start(plan, OWNER, step());
        RolloutState one = shifter.shift(plan, "one", OWNER, step());
        EdgeConfigDocument previous = EdgeConfigDocument.of(one, plan.edges().get(0), Instant.EPOCH);
        edges.stores.get("cloudflare").put(previous.key(), new EdgeConfigDocument(1, "rag-answer-live-v41",
                "rag-answer", "live", "full", 1.0, 3, RolloutStatus.RELEASED, "rag-answer-live-v41", "40", "41", null,
                java.util.List.of(), 24, "2025-12-01T00:00:00Z", 99));

        shifter.shift(plan, "five", OWNER, step());

        assertThat(edges.on("cloudflare").orElseThrow().rolloutId()).isEqualTo("rag-answer-live-v42");
    }

    @Test
    void aControllerWithoutEdgeAdaptersRefusesAPlanWithEdgesNamingTheEdge() {
        WeightShifter withoutEdges = new WeightShifter(aliases, versions, store, new InMemoryLedger(), CachePurger.NONE,
                Clock.systemUTC());
        withoutEdges.start(plan, OWNER, step());

        assertThatThrownBy(() -> withoutEdges.shift(plan, "one", OWNER, step()))
                .hasMessageContaining("edge cloudflare: this controller has no edge publisher");
    }
}
