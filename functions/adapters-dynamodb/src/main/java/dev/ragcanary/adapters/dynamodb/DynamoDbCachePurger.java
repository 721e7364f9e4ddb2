package dev.ragcanary.adapters.dynamodb;

import dev.ragcanary.core.ports.CachePurger;
import java.time.Clock;
import java.time.Instant;
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
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Purges a DynamoDB-backed answer cache whose partition key values start with the variant's prefix (e.g.
 * {@code v2-cnr:<hash>}): scan pages for those keys, each followed by batch deletes of 25 (retrying unprocessed items),
 * until the scan ends or the deadline passes; the resume token is the scan's LastEvaluatedKey. The prefix is the start
 * of the partition key, which a Query cannot select by, so a scan it is: a cache that wants a cheaper purge keys a
 * secondary index by variant prefix, which this purger does not assume.
 */
public final class DynamoDbCachePurger implements CachePurger {
    private static final int BATCH = 25;
    private static final int MAX_UNPROCESSED_ROUNDS = 10;
    /** Keys examined per scan page: small enough that a page and its deletes fit in a few seconds. */
    static final int SCAN_PAGE_ITEMS = 1000;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    /** The table's key attributes, read once: a purge takes many pages, a warm function many purges. */
    private volatile KeyNames keys;

    public DynamoDbCachePurger(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public PurgePage purge(String prefix, String resumeAfter, Instant deadline) {
        KeyNames keys = keyNames();
        Map<String, String> names = keys.names();
        String partitionAlias = keys.partitionAlias();
        Map<String, AttributeValue> startKey = resumeAfter == null ? null : ResumeToken.decode(resumeAfter);
        long deleted = 0;
        do {
            ScanResponse page = dynamo.scan(ScanRequest.builder().tableName(table)
                    .filterExpression("begins_with(" + partitionAlias + ", :prefix)")
                    .projectionExpression(String.join(", ", names.keySet()))
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(Map.of(":prefix", AttributeValue.fromS(prefix)))
                    .limit(SCAN_PAGE_ITEMS)
                    .exclusiveStartKey(startKey)
                    .build());
            Deleted batches = deleteAll(page.items(), deadline);
            deleted += batches.count();
            if (!batches.all()) {
                // Stopped inside the page: the next call scans it again, and finds gone what was deleted.
                return new PurgePage(deleted, ResumeToken.encode(startKey));
            }
            startKey = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (startKey != null && clock.instant().isBefore(deadline));
        return new PurgePage(deleted, startKey == null ? null : ResumeToken.encode(startKey));
    }

    /** @param names {@code #k<i>} -> key attribute name; @param partitionAlias the partition key's {@code #k<i>} */
    private record KeyNames(Map<String, String> names, String partitionAlias) {
    }

    private KeyNames keyNames() {
        KeyNames known = keys;
        if (known == null) {
            List<KeySchemaElement> keySchema = dynamo.describeTable(b -> b.tableName(table)).table().keySchema();
            String partitionKey = keySchema.stream().filter(k -> k.keyType() == KeyType.HASH).findFirst()
                    .orElseThrow().attributeName();
            List<String> keyNames = keySchema.stream().map(KeySchemaElement::attributeName).toList();
            Map<String, String> names = new HashMap<>();
            for (int i = 0; i < keyNames.size(); i++) {
                names.put("#k" + i, keyNames.get(i));
            }
            known = new KeyNames(Map.copyOf(names), "#k" + keyNames.indexOf(partitionKey));
            keys = known;
        }
        return known;
    }

    /** @param all whether every key was deleted, or the deadline stopped the deletes first */
    private record Deleted(long count, boolean all) {
    }

    /** Deletes in batches of 25, the first one always, the others only while the deadline has not passed. */
    private Deleted deleteAll(List<Map<String, AttributeValue>> keys, Instant deadline) {
        long deleted = 0;
        for (int from = 0; from < keys.size(); from += BATCH) {
            if (from > 0 && !clock.instant().isBefore(deadline)) {
                return new Deleted(deleted, false);
            }
            List<WriteRequest> batch = keys.subList(from, Math.min(keys.size(), from + BATCH)).stream()
                    .map(key -> WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build())
                    .toList();
            deleted += delete(batch);
        }
        return new Deleted(deleted, true);
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
