package dev.ragcanary.cli.ops;

import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.traffic.RolloutState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

/**
 * Finds the aliases that have a rollout state item (pk {@code ALIAS#<function>#<alias>}, sk {@code STATE}) by scanning
 * the rollouts table: one item per alias plus the ledger, small enough for an operator's occasional scan. The items
 * themselves are then read through the rollout store, which owns their layout.
 */
final class RolloutStateScan {
    private final DynamoDbClient dynamo;
    private final String table;

    /** A function alias that has a state item. */
    record AliasKey(String functionName, String alias) {
    }

    RolloutStateScan(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Aliases whose state item belongs to {@code rolloutId}, or every alias with a state item when it is null. */
    List<AliasKey> aliases(String rolloutId) {
        Map<String, String> names = new HashMap<>(Map.of("#sk", "sk"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":state", AttributeValue.fromS("STATE")));
        String filter = "#sk = :state";
        if (rolloutId != null) {
            names.put("#id", "rolloutId");
            values.put(":id", AttributeValue.fromS(rolloutId));
            filter += " AND #id = :id";
        }
        ScanRequest scan = ScanRequest.builder().tableName(table).filterExpression(filter).projectionExpression("pk")
                .expressionAttributeNames(names).expressionAttributeValues(values).build();
        List<AliasKey> found = new ArrayList<>();
        dynamo.scanPaginator(scan).items().forEach(item -> {
            // Function and alias names cannot contain '#' (Lambda naming rules), so the key splits unambiguously.
            String[] parts = item.get("pk").s().split("#", 3);
            if (parts.length == 3 && parts[0].equals("ALIAS")) {
                found.add(new AliasKey(parts[1], parts[2]));
            }
        });
        return found;
    }

    /** The state item that belongs to {@code rolloutId}, read through {@code store}; empty once its alias moved on. */
    Optional<RolloutState> stateOf(String rolloutId, RolloutStore store) {
        return aliases(rolloutId).stream().map(key -> store.read(key.functionName(), key.alias())).flatMap(Optional::stream)
                .filter(state -> state.rolloutId().equals(rolloutId)).findFirst();
    }
}
