package dev.ragcanary.adapters.dynamodb;

import static dev.ragcanary.adapters.dynamodb.Attr.doubleOf;
import static dev.ragcanary.adapters.dynamodb.Attr.longOf;
import static dev.ragcanary.adapters.dynamodb.Attr.n;
import static dev.ragcanary.adapters.dynamodb.Attr.s;
import static dev.ragcanary.adapters.dynamodb.Attr.stringList;
import static dev.ragcanary.adapters.dynamodb.Attr.strings;
import static dev.ragcanary.adapters.dynamodb.Attr.text;

import dev.ragcanary.core.ports.RolloutStateReader;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * {@link RolloutStore} on the rollouts table: one item per alias at pk={@code ALIAS#<function>#<alias>},
 * sk={@code STATE}, written only with conditional puts (the lock and optimistic concurrency on {@code revision}).
 * {@code ownerExecutionArn} is written only when known; an item without it (written before owners were recorded)
 * reads with no owner. {@code lastEntry} carries the ledger entry committed with the state (see the core's
 * RolloutCommits): the conditional write on {@code revision} is what hands out ledger sequence numbers.
 */
public final class DynamoDbRolloutStore implements RolloutStore {
    static final String STATE_SK = "STATE";
    /** Every attribute {@link #toItem} writes but the keys and {@code lastEntry}: what a router reads. */
    static final List<String> ROUTING_ATTRIBUTES = List.of("rolloutId", "functionName", "alias", "controlVersion",
            "canaryVersion", "stage", "weight", "epoch", "status", "regions", "regionWeights", "trustedTenants",
            "stickyKeyAttribute", "stickySource", "stickyHours", "canaryCachePrefix", "ledgerSequence", "revision",
            "ownerExecutionArn", "controlVersions", "canaryVersions");

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbRolloutStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String pk(String functionName, String alias) {
        return "ALIAS#" + functionName + "#" + alias;
    }

    @Override
    public Optional<RolloutState> read(String functionName, String alias) {
        return read(functionName, alias, request -> { });
    }

    /**
     * Reads the state without its {@code lastEntry} (a verdict's detail can be kilobytes): a router re-reads the
     * state every few seconds on its request path and never needs the ledger. Read-only, so no state loses its entry.
     */
    public RolloutStateReader routingReader() {
        Map<String, String> names = new LinkedHashMap<>();
        ROUTING_ATTRIBUTES.forEach(attribute -> names.put("#" + attribute, attribute));
        String projection = String.join(", ", names.keySet());
        return (functionName, alias) -> read(functionName, alias,
                request -> request.projectionExpression(projection).expressionAttributeNames(names));
    }

    private Optional<RolloutState> read(String functionName, String alias, Consumer<GetItemRequest.Builder> projection) {
        GetItemRequest.Builder request = GetItemRequest.builder().tableName(table).consistentRead(true)
                .key(Map.of("pk", s(pk(functionName, alias)), "sk", s(STATE_SK)));
        projection.accept(request);
        Map<String, AttributeValue> item = dynamo.getItem(request.build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public RolloutState acquire(RolloutState initial) {
        return acquire(initial, null);
    }

    @Override
    public RolloutState acquireReplacing(RolloutState initial, RolloutState replaced) {
        return acquire(initial, replaced);
    }

    private RolloutState acquire(RolloutState initial, RolloutState replaced) {
        RolloutState stored = initial.withRevision(1);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":released", s(RolloutStatus.RELEASED.name()),
                ":id", s(initial.rolloutId())));
        String released = "#status = :released AND rolloutId <> :id";
        if (replaced != null) {
            values.put(":replaced", n(replaced.revision()));
            released += " AND revision = :replaced";
        }
        try {
            dynamo.putItem(PutItemRequest.builder().tableName(table).item(toItem(stored))
                    .conditionExpression("attribute_not_exists(pk) OR (" + released + ")")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(values)
                    .build());
            return stored;
        } catch (ConditionalCheckFailedException held) {
            RolloutState current = read(initial.functionName(), initial.alias()).orElseThrow(() ->
                    new ConcurrentUpdateException("state of " + initial.functionName() + ":" + initial.alias()
                            + " disappeared while the lock was being taken; retry"));
            if (current.rolloutId().equals(initial.rolloutId())) {
                return current;
            }
            if (current.status() == RolloutStatus.RELEASED) {
                throw new ConcurrentUpdateException("the released state of " + initial.functionName() + ":"
                        + initial.alias() + " changed since it was read (revision " + current.revision() + ", was "
                        + (replaced == null ? "none" : replaced.revision()) + "); read it again before starting");
            }
            throw new RolloutLockedException(initial.functionName(), initial.alias(), current.rolloutId(), current.status());
        }
    }

    @Override
    public RolloutState update(RolloutState next) {
        RolloutState stored = next.withRevision(next.revision() + 1);
        try {
            dynamo.putItem(PutItemRequest.builder().tableName(table).item(toItem(stored))
                    .conditionExpression("revision = :expected AND rolloutId = :id")
                    .expressionAttributeValues(Map.of(":expected", n(next.revision()), ":id", s(next.rolloutId())))
                    .build());
            return stored;
        } catch (ConditionalCheckFailedException changed) {
            throw concurrentUpdate(next);
        }
    }

    private static ConcurrentUpdateException concurrentUpdate(RolloutState next) {
        return new ConcurrentUpdateException("state of " + next.functionName() + ":" + next.alias()
                + " changed since revision " + next.revision() + " was read (another controller or a retried"
                + " task wrote it); read it again before retrying");
    }

    /**
     * An UpdateItem that sets only the ledger head and the revision, conditioned on the revision and rollout id: it names
     * {@link #NOTE_ATTRIBUTES} and nothing else. The gate's role may run exactly this on the state item (its IAM policy
     * allows UpdateItem naming these attributes and no other write to it), so the gate can record verdicts but never
     * move the weight, the status or the lock.
     */
    @Override
    public RolloutState appendNote(RolloutState next) {
        RolloutState stored = next.withRevision(next.revision() + 1);
        try {
            dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(Map.of("pk", s(pk(next.functionName(), next.alias())), "sk", s(STATE_SK)))
                    .updateExpression("SET ledgerSequence = :sequence, lastEntry = :entry, revision = :next")
                    .conditionExpression("revision = :expected AND rolloutId = :id")
                    .expressionAttributeValues(Map.of(":sequence", n(stored.ledgerSequence()),
                            ":entry", AttributeValue.fromM(DynamoDbLedger.attributes(stored.lastEntry())),
                            ":next", n(stored.revision()), ":expected", n(next.revision()), ":id", s(next.rolloutId())))
                    .returnValues(ReturnValue.NONE)
                    .build());
            return stored;
        } catch (ConditionalCheckFailedException changed) {
            throw concurrentUpdate(next);
        }
    }

    /** The attributes a note's UpdateItem names, keys included: the gate policy's {@code dynamodb:Attributes}. */
    public static final List<String> NOTE_ATTRIBUTES = List.of("pk", "sk", "ledgerSequence", "lastEntry", "revision",
            "rolloutId");

    static Map<String, AttributeValue> toItem(RolloutState state) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(pk(state.functionName(), state.alias())));
        item.put("sk", s(STATE_SK));
        item.put("rolloutId", s(state.rolloutId()));
        item.put("functionName", s(state.functionName()));
        item.put("alias", s(state.alias()));
        item.put("controlVersion", s(state.controlVersion()));
        item.put("canaryVersion", s(state.canaryVersion()));
        putVersions(item, "controlVersions", state.controlVersions());
        putVersions(item, "canaryVersions", state.canaryVersions());
        item.put("stage", s(state.stage()));
        item.put("weight", n(state.weight()));
        item.put("epoch", n(state.epoch()));
        item.put("status", s(state.status().name()));
        item.put("regions", strings(new ArrayList<>(state.regionWeights().keySet())));
        Map<String, AttributeValue> weights = new HashMap<>();
        state.regionWeights().forEach((region, weight) -> weights.put(region, n(weight)));
        item.put("regionWeights", AttributeValue.fromM(weights));
        item.put("trustedTenants", strings(state.trustedTenants()));
        item.put("stickyKeyAttribute", s(state.stickyKeyAttribute()));
        item.put("stickySource", s(state.stickySource()));
        item.put("stickyHours", n(state.stickyHours()));
        item.put("canaryCachePrefix", s(state.canaryCachePrefix()));
        item.put("ledgerSequence", n(state.ledgerSequence()));
        item.put("revision", n(state.revision()));
        if (state.ownerExecutionArn() != null) {
            item.put("ownerExecutionArn", s(state.ownerExecutionArn()));
        }
        if (state.lastEntry() != null) {
            item.put("lastEntry", AttributeValue.fromM(DynamoDbLedger.attributes(state.lastEntry())));
        }
        return item;
    }

    static RolloutState fromItem(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> weights = item.get("regionWeights").m();
        Map<String, Double> regionWeights = new LinkedHashMap<>();
        List<String> regions = stringList(item, "regions");
        regions.forEach(r -> regionWeights.put(r, Double.parseDouble(weights.get(r).n())));
        return new RolloutState(text(item, "rolloutId"), text(item, "functionName"), text(item, "alias"),
                text(item, "controlVersion"), text(item, "canaryVersion"), text(item, "stage"), doubleOf(item, "weight"),
                longOf(item, "epoch"), RolloutStatus.valueOf(text(item, "status")), regionWeights,
                stringList(item, "trustedTenants"), text(item, "stickyKeyAttribute"), text(item, "stickySource"),
                longOf(item, "stickyHours"), text(item, "canaryCachePrefix"), longOf(item, "ledgerSequence"),
                longOf(item, "revision"), text(item, "ownerExecutionArn"),
                item.containsKey("lastEntry") ? DynamoDbLedger.fromItem(item.get("lastEntry").m()) : null,
                versions(item, "controlVersions", regions), versions(item, "canaryVersions", regions));
    }

    /** Region -> version, as a map attribute; none when empty (items written before keep one version everywhere). */
    private static void putVersions(Map<String, AttributeValue> item, String name, Map<String, String> versions) {
        if (!versions.isEmpty()) {
            Map<String, AttributeValue> byRegion = new HashMap<>();
            versions.forEach((region, version) -> byRegion.put(region, s(version)));
            item.put(name, AttributeValue.fromM(byRegion));
        }
    }

    private static Map<String, String> versions(Map<String, AttributeValue> item, String name, List<String> regions) {
        Map<String, String> out = new LinkedHashMap<>();
        if (item.containsKey(name)) {
            Map<String, AttributeValue> byRegion = item.get(name).m();
            regions.stream().filter(byRegion::containsKey).forEach(r -> out.put(r, byRegion.get(r).s()));
        }
        return out;
    }
}
