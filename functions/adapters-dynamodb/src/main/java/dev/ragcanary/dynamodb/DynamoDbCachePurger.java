package dev.ragcanary.dynamodb;

import dev.ragcanary.core.traffic.CachePurger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Purges a DynamoDB-backed answer cache whose partition key values start with the variant's prefix (e.g.
 * {@code v2-cnr:<hash>}): a paginated scan for those keys, then batch deletes of 25, retrying unprocessed items.
 */
public final class DynamoDbCachePurger implements CachePurger {
    private static final int BATCH = 25;
    private static final int MAX_UNPROCESSED_ROUNDS = 10;

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbCachePurger(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public long purge(String prefix) {
        List<KeySchemaElement> keySchema = dynamo.describeTable(b -> b.tableName(table)).table().keySchema();
        String partitionKey = keySchema.stream().filter(k -> k.keyType() == KeyType.HASH).findFirst()
                .orElseThrow().attributeName();
        List<String> keyNames = keySchema.stream().map(KeySchemaElement::attributeName).toList();
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < keyNames.size(); i++) {
            names.put("#k" + i, keyNames.get(i));
        }
        String partitionAlias = "#k" + keyNames.indexOf(partitionKey);
        ScanRequest scan = ScanRequest.builder().tableName(table)
                .filterExpression("begins_with(" + partitionAlias + ", :prefix)")
                .projectionExpression(String.join(", ", names.keySet()))
                .expressionAttributeNames(names)
                .expressionAttributeValues(Map.of(":prefix", AttributeValue.fromS(prefix)))
                .build();
        long deleted = 0;
        List<WriteRequest> batch = new ArrayList<>(BATCH);
        for (Map<String, AttributeValue> key : dynamo.scanPaginator(scan).items()) {
            batch.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build());
            if (batch.size() == BATCH) {
                deleted += delete(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
        if (!batch.isEmpty()) {
            deleted += delete(batch);
        }
        return deleted;
    }

    private int delete(List<WriteRequest> batch) {
        List<WriteRequest> pending = batch;
        for (int round = 0; round < MAX_UNPROCESSED_ROUNDS && !pending.isEmpty(); round++) {
            if (round > 0) {
                pauseBeforeRetry(round);
            }
            Map<String, List<WriteRequest>> request = Map.of(table, List.copyOf(pending));
            BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(request));
            pending = response.unprocessedItems().getOrDefault(table, List.of());
        }
        if (!pending.isEmpty()) {
            throw new IllegalStateException("cache table " + table + " kept " + pending.size()
                    + " deletes unprocessed after " + MAX_UNPROCESSED_ROUNDS + " rounds; run the purge again");
        }
        return batch.size();
    }

    /** Unprocessed items mean the table is throttling: back off a little more each round. */
    private static void pauseBeforeRetry(int round) {
        try {
            Thread.sleep(50L * round);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while purging the cache", e);
        }
    }
}
