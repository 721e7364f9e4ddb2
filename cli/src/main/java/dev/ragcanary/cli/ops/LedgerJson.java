package dev.ragcanary.cli.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.traffic.LedgerEntry;
import java.util.List;

/** Ledger entries as JSON (timestamps as ISO-8601 text), for {@code history --json} and the rehearsal report. */
public final class LedgerJson {
    private LedgerJson() {
    }

    public static ArrayNode of(List<LedgerEntry> entries) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (LedgerEntry entry : entries) {
            ObjectNode node = array.addObject();
            node.put("rolloutId", entry.rolloutId());
            node.put("sequence", entry.sequence());
            node.put("at", entry.at().toString());
            node.put("type", entry.type().name());
            node.put("stage", entry.stage());
            node.put("weight", entry.weight());
            node.put("epoch", entry.epoch());
            if (entry.attempt() > 1) {
                // Written by a retry of its request (a Step Functions retry); the first attempt is the normal case.
                node.put("attempt", entry.attempt());
            }
            if (entry.reason() != null) {
                node.put("reason", entry.reason());
            }
            if (entry.detail() != null) {
                node.set("detail", entry.detail());
            }
            if (entry.token() != null) {
                node.put("token", entry.token());
            }
            node.put("attempt", entry.attempt());
        }
        return array;
    }
}
