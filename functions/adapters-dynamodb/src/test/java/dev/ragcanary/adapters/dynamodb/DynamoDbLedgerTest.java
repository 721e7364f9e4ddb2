package dev.ragcanary.adapters.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.testsupport.DynaliteExtension;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DynamoDbLedgerTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable("rollouts"));

    private final DynamoDbLedger ledger = new DynamoDbLedger(DYNAMO.client(), "rollouts");
    private final Instant at = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void entriesAreAppendedInSequenceAndNeverOverwritten() {
        assertThat(ledger.append(new LedgerEntry("r1", 1, at, Type.STARTED, "start", 0, 1, "control 41", null, null, 1))).isTrue();
        assertThat(ledger.append(new LedgerEntry("r1", 2, at, Type.VERDICT, "one", 0.01, 1, null,
                Json.parse("verdict", "{\"decision\":\"PROMOTE\"}"), "exec/Evaluate the gate/t1", 2))).isTrue();
        assertThat(ledger.append(new LedgerEntry("r1", 3, at, Type.ROLLED_BACK, "one", 0, 2, "p95", null, null, 1))).isTrue();

        boolean overwrite = ledger.append(new LedgerEntry("r1", 2, at, Type.ROLLED_BACK, "x", 0, 9, "late", null, null, 1));

        assertThat(overwrite).isFalse();
        assertThat(ledger.entries("r1")).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.VERDICT, Type.ROLLED_BACK);
        assertThat(ledger.entries("r1").get(1).detail().get("decision").asText()).isEqualTo("PROMOTE");
        assertThat(ledger.entries("r1").get(2).reason()).isEqualTo("p95");
        assertThat(ledger.entries("other")).isEmpty();
    }

    @Test
    void sequenceNumbersSortAsEightDigitKeys() {
        assertThat(DynamoDbLedger.sk(7)).isEqualTo("SEQ#00000007");
        for (long seq = 12; seq >= 8; seq--) {
            ledger.append(new LedgerEntry("r-sort", seq, at, Type.WEIGHT_SET, "s" + seq, 0, 1, null, null, null, 1));
        }
        assertThat(ledger.entries("r-sort")).extracting(LedgerEntry::sequence).containsExactly(8L, 9L, 10L, 11L, 12L);
    }
}
