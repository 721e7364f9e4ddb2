package dev.ragcanary.local.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.local.faults.MatrixServices.Traffic;
import java.util.List;

/**
 * A path through the rollout machine that the matrix breaks: together the flows enter every state of both machines.
 *
 * @param refusedApprovals approval kinds ({@code stage}, {@code held}, {@code promotion}) the person refuses
 * @param second           a second execution started when stage one starts, or NONE
 */
record Flow(String name, Traffic traffic, ObjectNode thresholds, List<String> refusedApprovals, Second second,
            boolean invalidInput) {

    /** Another execution on the same alias. */
    enum Second {
        NONE,
        /** The same rollout started again (a retried pipeline action): it joins the running one. */
        SAME_ROLLOUT,
        /** Another rollout on the same alias: refused while the first holds the lock. */
        OTHER_ROLLOUT
    }

    static final Flow HEALTHY = new Flow("healthy", Traffic.HEALTHY, noOverrides(), List.of(), Second.NONE, false);

    static final List<Flow> ALL = List.of(
            HEALTHY,
            new Flow("gate rolls back at ten", Traffic.CANARY_ERRORS_FROM_TEN, noOverrides(), List.of(), Second.NONE,
                    false),
            new Flow("stage one bakes again", Traffic.THIN_FIRST_LOOK, noOverrides(), List.of(), Second.NONE, false),
            new Flow("stage one held, released", Traffic.THIN_AT_ONE, holdOnThinTraffic(), List.of(), Second.NONE,
                    false),
            new Flow("stage one held, stopped", Traffic.THIN_AT_ONE, holdOnThinTraffic(), List.of("held"),
                    Second.NONE, false),
            new Flow("stage approval refused", Traffic.HEALTHY, noOverrides(), List.of("stage"), Second.NONE, false),
            new Flow("promotion refused", Traffic.HEALTHY, noOverrides(), List.of("promotion"), Second.NONE, false),
            new Flow("same rollout started twice", Traffic.HEALTHY, noOverrides(), List.of(), Second.SAME_ROLLOUT,
                    false),
            new Flow("second rollout on the alias", Traffic.HEALTHY, noOverrides(), List.of(), Second.OTHER_ROLLOUT,
                    false),
            new Flow("invalid start input", Traffic.HEALTHY, noOverrides(), List.of(), Second.NONE, true),
            new Flow("reverted after the promotion", Traffic.CANARY_ERRORS_AFTER_PROMOTION, noOverrides(), List.of(),
                    Second.NONE, false));

    private static ObjectNode noOverrides() {
        return Json.MAPPER.createObjectNode();
    }

    private static ObjectNode holdOnThinTraffic() {
        return noOverrides().put("onInsufficientTraffic", "HOLD").put("maxExtensions", 0);
    }
}
