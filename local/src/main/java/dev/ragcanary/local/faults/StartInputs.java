package dev.ragcanary.local.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.local.ProjectLayout;
import java.util.List;

/**
 * The fault matrix's rollout: one target function per case (so cases share a dynalite without touching each other),
 * two regions, a short ladder that still passes every kind of step (the pilot region alone, then every region, the
 * promotion window, an approval before a stage and before the promotion), bakes of ten virtual minutes.
 */
final class StartInputs {
    static final String CONTROL = "41";
    static final String CANARY = "42";
    static final List<String> REGIONS = List.of("us-east-1", "eu-west-1");
    static final long BAKE_SECONDS = 600;

    private StartInputs() {
    }

    /** The start input of case {@code caseId}, with {@code thresholds} laid over the defaults. */
    static ObjectNode of(ProjectLayout layout, String caseId, ObjectNode thresholds) {
        ObjectNode input = Json.MAPPER.createObjectNode();
        input.put("rolloutId", caseId + "-v" + CANARY);
        input.putObject("target").put("functionName", caseId).put("alias", "live").put("canaryVersion", CANARY);
        input.putObject("sticky").put("keyAttribute", "x-tenant-id");
        input.set("expectedIndex", Json.MAPPER.valueToTree(MatrixServices.INDEX));
        input.putObject("cachePrefixes").put("control", "v" + CONTROL + ":").put("canary", "v" + CANARY + "-cnr:");
        input.put("probeSet", layout.root().resolve("events/probes/gold.json").toString());
        REGIONS.forEach(input.putArray("regions")::add);
        input.putArray("stages")
                .add(stage("one", 0.01))
                .add(stage("ten", 0.10))
                .add(Json.MAPPER.createObjectNode().put("name", "full"));
        input.putArray("approvals").add("ten").add("full");
        ObjectNode merged = input.putObject("thresholds")
                .put("promotionWindowSeconds", BAKE_SECONDS)
                .put("postPromotionBakeSeconds", BAKE_SECONDS)
                .put("maxExtensions", 1);
        merged.setAll(thresholds);
        return input;
    }

    private static ObjectNode stage(String name, double weight) {
        return Json.MAPPER.createObjectNode().put("name", name).put("weight", weight).put("bakeSeconds", BAKE_SECONDS);
    }
}
