package dev.ragcanary.adapters.dynamodb;

import dev.ragcanary.core.ports.ShadowSink;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The canary sink table (contract C): one item per shadow emission, {@code dedupeKey} the partition key, and a global
 * secondary index with partition key {@code functionVersion} ("{@code <function>:<version>}") and sort key
 * {@code emittedAt} (epoch milliseconds). A Query on that index reads one version's emissions in a window, page by
 * page, projecting only the key.
 */
public final class DynamoDbShadowSink implements ShadowSink {
    private final Function<String, DynamoDbClient> clientsByRegion;
    private final String tableName;
    private final String indexName;

    /**
     * @param clientsByRegion DynamoDB client for a region (each region's sink holds that region's shadow emissions)
     * @param indexName       the functionVersion/emittedAt index
     */
    public DynamoDbShadowSink(Function<String, DynamoDbClient> clientsByRegion, String tableName, String indexName) {
        this.clientsByRegion = clientsByRegion;
        this.tableName = tableName;
        this.indexName = indexName;
    }

    @Override
    public Set<String> dedupeKeys(String region, String functionVersion, Instant from, Instant to) {
        DynamoDbClient client = clientsByRegion.apply(region);
        Set<String> keys = new HashSet<>();
        Map<String, AttributeValue> next = null;
        do {
            QueryResponse page = client.query(QueryRequest.builder()
                    .tableName(tableName)
                    .indexName(indexName)
                    // emittedAt < to: BETWEEN is inclusive at both ends
                    .keyConditionExpression("functionVersion = :v AND emittedAt BETWEEN :from AND :last")
                    .expressionAttributeValues(Map.of(
                            ":v", AttributeValue.fromS(functionVersion),
                            ":from", AttributeValue.fromN(Long.toString(from.toEpochMilli())),
                            ":last", AttributeValue.fromN(Long.toString(to.toEpochMilli() - 1))))
                    .projectionExpression("dedupeKey")
                    .exclusiveStartKey(next)
                    .build());
            page.items().forEach(item -> keys.add(item.get("dedupeKey").s()));
            next = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (next != null);
        return keys;
    }
}
