package dev.ragcanary.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.testsupport.DynaliteExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DynamoDbCachePurgerTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createTable("answers", "pk", null));

    @Test
    void everyItemUnderThePrefixIsDeletedAcrossScanPagesAndNothingElse() {
        String padding = "x".repeat(20_000); // ~3 MB under the canary prefix: several 1 MB scan pages
        for (int i = 0; i < 150; i++) {
            put("v2-cnr:" + i, padding);
        }
        for (int i = 0; i < 20; i++) {
            put("v1:" + i, "answer");
        }

        long deleted = new DynamoDbCachePurger(DYNAMO.client(), "answers").purge("v2-cnr:");

        assertThat(deleted).isEqualTo(150);
        var left = DYNAMO.client().scanPaginator(b -> b.tableName("answers")).items().stream()
                .map(item -> item.get("pk").s()).toList();
        assertThat(left).hasSize(20).allMatch(k -> k.startsWith("v1:"));
        assertThat(new DynamoDbCachePurger(DYNAMO.client(), "answers").purge("v2-cnr:")).isZero();
    }

    private static void put(String key, String answer) {
        DYNAMO.client().putItem(b -> b.tableName("answers").item(Map.of("pk", Attr.s(key), "answer", Attr.s(answer))));
    }
}
