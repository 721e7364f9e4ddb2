package dev.ragcanary.adapters.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.testsupport.DynaliteExtension;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/** Against dynalite: the sink table of contract C with its functionVersion/emittedAt index. */
class DynamoDbShadowSinkTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> { });
    private static final Instant START = Instant.parse("2025-08-27T06:00:00Z");
    private static final Instant END = Instant.parse("2025-08-27T06:30:00Z");

    @BeforeAll
    static void createSink() throws InterruptedException {
        DynamoDbClient client = DYNAMO.client();
        client.createTable(b -> b.tableName("sink").billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute("dedupeKey", ScalarAttributeType.S),
                        attribute("functionVersion", ScalarAttributeType.S), attribute("emittedAt", ScalarAttributeType.N))
                .keySchema(KeySchemaElement.builder().attributeName("dedupeKey").keyType(KeyType.HASH).build())
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("byFunctionVersion")
                        .keySchema(KeySchemaElement.builder().attributeName("functionVersion").keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName("emittedAt").keyType(KeyType.RANGE).build())
                        .projection(p -> p.projectionType(ProjectionType.ALL)).build()));
        while (client.describeTable(b -> b.tableName("sink")).table().tableStatus() != TableStatus.ACTIVE) {
            Thread.sleep(10);
        }
        put(client, "in-window", "rag-answer:42", START.toEpochMilli());
        put(client, "last-ms", "rag-answer:42", END.toEpochMilli() - 1);
        put(client, "at-end", "rag-answer:42", END.toEpochMilli());
        put(client, "before", "rag-answer:42", START.toEpochMilli() - 1);
        put(client, "other-version", "rag-answer:41", START.toEpochMilli() + 5);
        // 300 items of 4 KB: more than one 1 MB Query page
        for (int i = 0; i < 300; i++) {
            put(client, "bulk-" + i, "rag-answer:42", START.toEpochMilli() + 1_000 + i);
        }
    }

    @Test
    void readsOneVersionsShadowEmissionsInTheWindowAcrossPages() {
        DynamoDbShadowSink sink = new DynamoDbShadowSink(region -> DYNAMO.client(), "sink", "byFunctionVersion");

        var keys = sink.dedupeKeys("us-east-1", "rag-answer:42", START, END);

        assertThat(keys).contains("in-window", "last-ms").doesNotContain("at-end", "before", "other-version");
        assertThat(keys).as("every page of a window larger than one 1 MB page").hasSize(302);
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static void put(DynamoDbClient client, String key, String version, long emittedAt) {
        client.putItem(b -> b.tableName("sink").item(Map.of("dedupeKey", AttributeValue.fromS(key),
                "functionVersion", AttributeValue.fromS(version), "emittedAt", AttributeValue.fromN(Long.toString(emittedAt)),
                "webhook", AttributeValue.fromS("billing"), "payload", AttributeValue.fromS("x".repeat(4_000)))));
    }
}
