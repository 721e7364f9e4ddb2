package dev.ragcanary.adapters.dynamodb;

import static dev.ragcanary.adapters.dynamodb.Attr.doubleOf;
import static dev.ragcanary.adapters.dynamodb.Attr.longOf;
import static dev.ragcanary.adapters.dynamodb.Attr.n;
import static dev.ragcanary.adapters.dynamodb.Attr.s;
import static dev.ragcanary.adapters.dynamodb.Attr.text;

import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Ledger;
import dev.ragcanary.core.traffic.LedgerEntry;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * {@link Ledger} on the rollouts table: pk={@code ROLLOUT#<rolloutId>}, sk={@code SEQ#<8-digit sequence>}, written
 * with {@code attribute_not_exists} so an entry is never overwritten. Sequence numbers are handed out by the state
 * item's conditional writes ({@code DynamoDbRolloutStore}), which carry each new entry until it is copied here.
 */
public final class DynamoDbLedger implements Ledger {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbLedger(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String pk(String rolloutId) {
        return "ROLLOUT#" + rolloutId;
    }

    static String sk(long sequence) {
        return String.format("SEQ#%08d", sequence);
    }

    @Override
    public boolean append(LedgerEntry entry) {
        Map<String, AttributeValue> item = new HashMap<>(attributes(entry));
        item.put("pk", s(pk(entry.rolloutId())));
        item.put("sk", s(sk(entry.sequence())));
        try {
            dynamo.putItem(PutItemRequest.builder().tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk)").build());
            return true;
        } catch (ConditionalCheckFailedException alreadyRecorded) {
            return false;
        }
    }

    @Override
    public List<LedgerEntry> entries(String rolloutId) {
        QueryRequest query = QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :seq)")
                .expressionAttributeValues(Map.of(":pk", s(pk(rolloutId)), ":seq", s("SEQ#"))).build();
        return dynamo.queryPaginator(query).items().stream().map(DynamoDbLedger::fromItem).toList();
    }

    /** An entry's attributes, as a ledger item holds them and as the state item carries its last entry. */
    static Map<String, AttributeValue> attributes(LedgerEntry entry) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("rolloutId", s(entry.rolloutId()));
        item.put("sequence", n(entry.sequence()));
        item.put("at", s(entry.at().toString()));
        item.put("type", s(entry.type().name()));
        item.put("stage", s(entry.stage()));
        item.put("weight", n(entry.weight()));
        item.put("epoch", n(entry.epoch()));
        if (entry.reason() != null) {
            item.put("reason", s(entry.reason()));
        }
        if (entry.detail() != null) {
            item.put("detail", s(Json.compact(entry.detail())));
        }
        if (entry.token() != null) {
            item.put("token", s(entry.token()));
        }
        item.put("attempt", n(entry.attempt()));
        return item;
    }

    /** Entries written before tokens and attempts were recorded read with no token, as attempt 1. */
    static LedgerEntry fromItem(Map<String, AttributeValue> item) {
        String detail = text(item, "detail");
        return new LedgerEntry(text(item, "rolloutId"), longOf(item, "sequence"), Instant.parse(text(item, "at")),
                LedgerEntry.Type.valueOf(text(item, "type")), text(item, "stage"), doubleOf(item, "weight"),
                longOf(item, "epoch"), text(item, "reason"), detail == null ? null : Json.parse("ledger detail", detail),
                text(item, "token"), item.containsKey("attempt") ? (int) longOf(item, "attempt") : 1);
    }
}
