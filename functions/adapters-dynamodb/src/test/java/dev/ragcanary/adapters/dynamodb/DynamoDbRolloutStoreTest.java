package dev.ragcanary.adapters.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.RolloutStateReader;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.testsupport.DynaliteExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

class DynamoDbRolloutStoreTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable("rollouts"));

    private final RolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");

    private static final String OWNER = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:first";
    private static final String RETRY = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:retry";

    static RolloutState state(String function, String rolloutId) {
        return state(function, rolloutId, null);
    }

    static RolloutState state(String function, String rolloutId, String ownerExecutionArn) {
        Map<String, Double> regions = new LinkedHashMap<>();
        regions.put("us-east-1", 0.05);
        regions.put("eu-west-1", 0.0);
        return new RolloutState(rolloutId, function, "live", "41", "42", "five", 0.05, 1, RolloutStatus.ACTIVE, regions,
                List.of("acme-internal"), "x-tenant-id", "header", 24, "v2-cnr:", 2, 0, ownerExecutionArn,
                new LedgerEntry(rolloutId, 2, Instant.parse("2026-01-01T00:00:00Z"), LedgerEntry.Type.VERDICT,
                        "five", 0.05, 1, "PROMOTE at five", Json.parse("detail", "{\"decision\":\"PROMOTE\",\"n\":400}"),
                        "exec/Evaluate the gate/2026-01-01T00:00:00Z", 2),
                Map.of("us-east-1", "41", "eu-west-1", "15"), Map.of("us-east-1", "42", "eu-west-1", "17"));
    }

    @Test
    void theStateItemRoundTripsEveryField() {
        RolloutState stored = store.acquire(state("fn-roundtrip", "r1"));

        assertThat(stored.revision()).isEqualTo(1);
        RolloutState read = store.read("fn-roundtrip", "live").orElseThrow();
        assertThat(read).isEqualTo(stored);
        assertThat(read.regionWeights().keySet()).containsExactly("us-east-1", "eu-west-1");
        assertThat(DYNAMO.client().getItem(b -> b.tableName("rollouts").key(Map.of(
                "pk", Attr.s("ALIAS#fn-roundtrip#live"), "sk", Attr.s("STATE")))).item()).containsKey("epoch");
    }

    @Test
    void theRoutingReaderReadsEveryFieldButTheLastEntry() {
        RolloutState stored = store.acquire(state("fn-routing", "r1", OWNER));
        RolloutStateReader routing = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts").routingReader();

        RolloutState routed = routing.read("fn-routing", "live").orElseThrow();

        assertThat(routed.lastEntry()).isNull();
        assertThat(routed).usingRecursiveComparison().ignoringFields("lastEntry").isEqualTo(stored);
        assertThat(routed.regionWeights().keySet()).containsExactly("us-east-1", "eu-west-1");
        assertThat(DynamoDbRolloutStore.toItem(stored).keySet()).as("the routing projection names every state attribute")
                .containsExactlyInAnyOrderElementsOf(Stream.concat(Stream.of("pk", "sk", "lastEntry"),
                        DynamoDbRolloutStore.ROUTING_ATTRIBUTES.stream()).toList());
        assertThat(routing.read("fn-never-rolled-out", "live")).isEmpty();
    }

    @Test
    void aSecondRolloutIsRefusedWithTheActiveOnesNameAndTheSameIdJoins() {
        RolloutState first = store.acquire(state("fn-lock", "r1"));

        assertThatThrownBy(() -> store.acquire(state("fn-lock", "r2")))
                .isInstanceOf(RolloutStore.RolloutLockedException.class)
                .hasMessageContaining("fn-lock:live is locked by rollout r1 (ACTIVE)");
        assertThat(store.acquire(state("fn-lock", "r1"))).isEqualTo(first);
        assertThat(store.read("fn-lock", "live").orElseThrow().rolloutId()).isEqualTo("r1");
    }

    @Test
    void theOwningExecutionIsStoredWithTheLockAndASecondExecutionOfTheSameRolloutReadsIt() {
        RolloutState first = store.acquire(state("fn-owner", "r1", OWNER));

        RolloutState joined = store.acquire(state("fn-owner", "r1", RETRY));

        assertThat(joined).isEqualTo(first);
        assertThat(joined.ownerExecutionArn()).isEqualTo(OWNER);
        assertThat(store.update(joined.withStage("ten", 0.10, Map.of("us-east-1", 0.1))).ownerExecutionArn())
                .isEqualTo(OWNER);
        assertThat(store.read("fn-owner", "live").orElseThrow().ownerExecutionArn()).isEqualTo(OWNER);
        assertThat(DYNAMO.client().getItem(b -> b.tableName("rollouts").key(Map.of(
                "pk", Attr.s("ALIAS#fn-owner#live"), "sk", Attr.s("STATE")))).item().get("ownerExecutionArn").s())
                .isEqualTo(OWNER);
    }

    @Test
    void anItemWrittenBeforeOwnersWereRecordedReadsWithNoOwner() {
        Map<String, AttributeValue> item = new HashMap<>(DynamoDbRolloutStore.toItem(state("fn-legacy", "r1", OWNER)
                .withRevision(1)));
        item.remove("ownerExecutionArn");
        DYNAMO.client().putItem(b -> b.tableName("rollouts").item(item));

        RolloutState read = store.read("fn-legacy", "live").orElseThrow();

        assertThat(read.ownerExecutionArn()).isNull();
        assertThat(read.rolloutId()).isEqualTo("r1");
        assertThat(store.update(read.withStage("ten", 0.10, Map.of("us-east-1", 0.1))).ownerExecutionArn()).isNull();
        assertThat(DYNAMO.client().getItem(b -> b.tableName("rollouts").key(Map.of(
                "pk", Attr.s("ALIAS#fn-legacy#live"), "sk", Attr.s("STATE")))).item()).doesNotContainKey("ownerExecutionArn");
    }

    @Test
    void aReleasedLockCanBeTakenByTheNextRollout() {
        RolloutState first = store.acquire(state("fn-release", "r1"));
        store.update(first.withStatus(RolloutStatus.RELEASED, 1));

        RolloutState next = store.acquire(state("fn-release", "r2"));

        assertThat(next.rolloutId()).isEqualTo("r2");
        assertThat(store.read("fn-release", "live").orElseThrow().rolloutId()).isEqualTo("r2");
    }

    @Test
    void anUpdateFromAStaleReadIsRefused() {
        RolloutState read = store.acquire(state("fn-stale", "r1"));
        RolloutState written = store.update(read.withStage("ten", 0.10, Map.of("us-east-1", 0.1)));

        assertThat(written.revision()).isEqualTo(2);
        assertThatThrownBy(() -> store.update(read.withStatus(RolloutStatus.ROLLED_BACK, 2)))
                .isInstanceOf(RolloutStore.ConcurrentUpdateException.class)
                .hasMessageContaining("changed since revision 1");
        assertThat(store.read("fn-stale", "live").orElseThrow().stage()).isEqualTo("ten");
    }

    @Test
    void aNoteWritesOnlyTheLedgerHeadAndNamesOnlyTheAttributesTheGateMayUpdate() {
        List<UpdateItemRequest> updates = new ArrayList<>();
        DynamoDbClient recording = AwsClients.build(DynamoDbClient.builder(), DYNAMO.dynalite().endpoint(),
                Region.US_EAST_1, o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof UpdateItemRequest update) {
                            updates.add(update);
                        }
                    }
                }));
        RolloutStore noting = new DynamoDbRolloutStore(recording, "rollouts");
        RolloutState read = noting.acquire(state("fn-note", "r1"));
        LedgerEntry verdict = new LedgerEntry("r1", 3, Instant.parse("2026-01-01T00:05:00Z"), LedgerEntry.Type.VERDICT,
                "five", 0.05, 1, "EXTEND at five", null, "exec/Evaluate the gate/2026-01-01T00:05:00Z", 1);

        RolloutState noted = noting.appendNote(read.withStage("full", 1.0, Map.of("us-east-1", 1.0))
                .withLastEntry(verdict));

        RolloutState stored = noting.read("fn-note", "live").orElseThrow();
        assertThat(stored.lastEntry()).isEqualTo(verdict);
        assertThat(stored.ledgerSequence()).isEqualTo(3);
        assertThat(stored.revision()).isEqualTo(noted.revision()).isEqualTo(2);
        assertThat(stored).as("nothing but the ledger head and revision is written").usingRecursiveComparison()
                .ignoringFields("lastEntry", "ledgerSequence", "revision").isEqualTo(read);
        UpdateItemRequest update = updates.get(0);
        Set<String> named = new TreeSet<>(update.key().keySet());
        Matcher names = Pattern.compile("(?<![:#\\w])[A-Za-z]\\w*").matcher(update.updateExpression() + " "
                + update.conditionExpression());
        while (names.find()) {
            named.add(names.group());
        }
        named.removeAll(Set.of("SET", "AND"));
        assertThat(named).containsExactlyInAnyOrderElementsOf(DynamoDbRolloutStore.NOTE_ATTRIBUTES);
        assertThatThrownBy(() -> noting.appendNote(read.withLastEntry(verdict)))
                .isInstanceOf(RolloutStore.ConcurrentUpdateException.class);
        recording.close();
    }

    @Test
    void aStartFromAReleasedStateThatChangedSinceItWasReadWritesNothingAndSaysToReadAgain() {
        RolloutState first = store.acquire(state("fn-replace", "r1"));
        RolloutState released = store.update(first.withStatus(RolloutStatus.RELEASED, 1));
        RolloutState reverted = store.update(released.withStatus(RolloutStatus.ROLLED_BACK, 2));
        store.update(reverted.withStatus(RolloutStatus.RELEASED, 2));

        assertThatThrownBy(() -> store.acquireReplacing(state("fn-replace", "r2"), released))
                .isInstanceOf(RolloutStore.ConcurrentUpdateException.class)
                .hasMessageContaining("changed since it was read");
        assertThat(store.read("fn-replace", "live").orElseThrow().rolloutId()).isEqualTo("r1");

        RolloutState fresh = store.read("fn-replace", "live").orElseThrow();
        assertThat(store.acquireReplacing(state("fn-replace", "r2"), fresh).rolloutId()).isEqualTo("r2");
    }
}
