package dev.ragcanary.adapters.dynamodb;

import static dev.ragcanary.adapters.dynamodb.Attr.doubleOf;
import static dev.ragcanary.adapters.dynamodb.Attr.longOf;
import static dev.ragcanary.adapters.dynamodb.Attr.n;
import static dev.ragcanary.adapters.dynamodb.Attr.s;
import static dev.ragcanary.adapters.dynamodb.Attr.text;

import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.traffic.Assignment;
import dev.ragcanary.core.traffic.Variant;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * {@link AssignmentStore} on the assignments table: pk={@code <function>#<alias>#<stickyKey>}, TTL attribute
 * {@code expiresAt} (epoch seconds). The overwrite condition mirrors {@link Assignment#validFor}, so two routers
 * racing on a new key both end up with the one item that was written first.
 */
public final class DynamoDbAssignmentStore implements AssignmentStore {
    static final String REPLACEABLE = "attribute_not_exists(pk) OR rolloutId <> :rollout OR epoch < :epoch"
            + " OR expiresAt <= :now OR (variant = :control AND weight < :weight)";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbAssignmentStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String pk(String functionName, String alias, String stickyKey) {
        return functionName + "#" + alias + "#" + stickyKey;
    }

    @Override
    public Optional<Assignment> get(String functionName, String alias, String stickyKey) {
        Map<String, AttributeValue> item = dynamo.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of("pk", s(pk(functionName, alias, stickyKey)))).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public Claim claim(String functionName, String alias, Assignment candidate, Instant now) {
        try {
            dynamo.putItem(PutItemRequest.builder().tableName(table)
                    .item(Map.of("pk", s(pk(functionName, alias, candidate.stickyKey())),
                            "stickyKey", s(candidate.stickyKey()),
                            "rolloutId", s(candidate.rolloutId()),
                            "epoch", n(candidate.epoch()),
                            "variant", s(candidate.variant().label()),
                            "version", s(candidate.version()),
                            "weight", n(candidate.weight()),
                            "expiresAt", n(candidate.expiresAt().getEpochSecond())))
                    .conditionExpression(REPLACEABLE)
                    .expressionAttributeValues(Map.of(":rollout", s(candidate.rolloutId()),
                            ":epoch", n(candidate.epoch()),
                            ":now", n(now.getEpochSecond()),
                            ":control", s(Variant.CONTROL.label()),
                            ":weight", n(candidate.weight())))
                    .build());
            return new Claim(candidate, true);
        } catch (ConditionalCheckFailedException lostRace) {
            Map<String, AttributeValue> winner = dynamo.getItem(GetItemRequest.builder().tableName(table)
                    .consistentRead(true).key(Map.of("pk", s(pk(functionName, alias, candidate.stickyKey())))).build())
                    .item();
            return new Claim(fromItem(winner), false);
        }
    }

    private static Assignment fromItem(Map<String, AttributeValue> item) {
        return new Assignment(text(item, "stickyKey"), text(item, "rolloutId"), longOf(item, "epoch"),
                Variant.fromLabel(text(item, "variant")), text(item, "version"), doubleOf(item, "weight"),
                Instant.ofEpochSecond(longOf(item, "expiresAt")));
    }
}
