package dev.ragcanary.egress;

import static dev.ragcanary.egress.Claims.n;
import static dev.ragcanary.egress.Claims.s;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The canary sink: where a shadow request's emissions go instead of the partner, one item per dedupe key (shared
 * contract C): {@code dedupeKey} (partition key), {@code functionVersion} ("function:version", index partition key),
 * {@code emittedAt} (epoch ms, index sort key), {@code webhook}, {@code requestId}, {@code ageMs}, {@code expiresAt}
 * (epoch seconds, TTL). The gate matches them by key against the control's real emissions of the same requests.
 */
final class CanarySink {
    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;

    CanarySink(DynamoDbClient dynamo, String table, Duration retention) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
    }

    /**
     * Writes the emission unless its key is already there (a repeated shadow emission is not counted twice). Throws
     * only when DynamoDB cannot be reached.
     */
    void write(DedupeKey key, Webhook webhook, String functionVersion, RequestContext request, Instant emittedAt) {
        Map<String, AttributeValue> item = Map.of(
                Claims.KEY, s(key.hex()),
                "functionVersion", s(functionVersion),
                "emittedAt", n(emittedAt.toEpochMilli()),
                "webhook", s(webhook.name()),
                "requestId", s(request.ownerId()),
                "ageMs", n(Math.max(0, emittedAt.toEpochMilli() - request.startedAt().toEpochMilli())),
                "expiresAt", n(emittedAt.plus(retention).getEpochSecond()));
        try {
            dynamo.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#key)")
                    .expressionAttributeNames(Map.of("#key", Claims.KEY)));
        } catch (ConditionalCheckFailedException alreadyThere) {
            // the same shadow emission again: the sink already holds it
        }
    }
}
