package dev.ragcanary.adapters.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.ports.CachePurger.PurgePage;
import dev.ragcanary.testsupport.DynaliteExtension;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DynamoDbCachePurgerTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createTable("answers", "pk", null));

    private final DynamoDbCachePurger purger = new DynamoDbCachePurger(DYNAMO.client(), "answers", CLOCK);

    @BeforeEach
    void emptyCache() {
        for (String key : keys()) {
            DYNAMO.client().deleteItem(b -> b.tableName("answers").key(Map.of("pk", Attr.s(key))));
        }
    }

    @Test
    void everyItemUnderThePrefixIsDeletedAcrossScanPagesAndNothingElse() {
        String padding = "x".repeat(20_000); // ~3 MB under the canary prefix: several 1 MB scan pages
        for (int i = 0; i < 150; i++) {
            put("v2-cnr:" + i, padding);
        }
        for (int i = 0; i < 20; i++) {
            put("v1:" + i, "answer");
        }

        PurgePage page = purger.purge("v2-cnr:", null, NOW.plusSeconds(60));

        assertThat(page.complete()).isTrue();
        assertThat(page.removed()).isEqualTo(150);
        assertThat(keys()).hasSize(20).allMatch(k -> k.startsWith("v1:"));
        assertThat(purger.purge("v2-cnr:", null, NOW.plusSeconds(60)).removed()).isZero();
    }

    @Test
    void aPurgePastItsDeadlineStopsAfterOneBatchAndResumesWhereItStopped() {
        int entries = DynamoDbCachePurger.SCAN_PAGE_ITEMS + 300;
        for (int i = 0; i < entries; i++) {
            put("v2-cnr:" + i, "answer");
        }
        for (int i = 0; i < 40; i++) {
            put("v1:" + i, "answer");
        }

        List<PurgePage> pages = new ArrayList<>();
        String resumeAfter = null;
        do {
            PurgePage page = purger.purge("v2-cnr:", resumeAfter, NOW); // the deadline has already passed
            pages.add(page);
            resumeAfter = page.resumeAfter();
        } while (resumeAfter != null && pages.size() < 200);

        assertThat(pages.get(0).removed()).as("one batch, then the deadline stops it").isEqualTo(25);
        assertThat(pages.subList(0, pages.size() - 1)).allMatch(page -> !page.complete() && page.removed() <= 25);
        assertThat(pages.get(pages.size() - 1).complete()).isTrue();
        assertThat(pages.stream().mapToLong(PurgePage::removed).sum()).isEqualTo(entries);
        assertThat(keys()).hasSize(40).allMatch(k -> k.startsWith("v1:"));
    }

    @Test
    void repeatingAPageWhoseReplyWasLostDeletesNothingElse() {
        for (int i = 0; i < DynamoDbCachePurger.SCAN_PAGE_ITEMS + 100; i++) {
            put("v2-cnr:" + i, "answer");
        }
        put("v1:kept", "answer");
        purger.purge("v2-cnr:", null, NOW); // its reply is lost: the state machine retries the same input

        PurgePage retried = purger.purge("v2-cnr:", null, NOW);
        PurgePage rest = retried.complete() ? retried : purger.purge("v2-cnr:", retried.resumeAfter(),
                NOW.plusSeconds(60));

        assertThat(rest.complete()).isTrue();
        assertThat(keys()).containsExactly("v1:kept");
    }

    private static List<String> keys() {
        return DYNAMO.client().scanPaginator(b -> b.tableName("answers")).items().stream()
                .map(item -> item.get("pk").s()).toList();
    }

    private static void put(String key, String answer) {
        DYNAMO.client().putItem(b -> b.tableName("answers").item(Map.of("pk", Attr.s(key), "answer", Attr.s(answer))));
    }
}
