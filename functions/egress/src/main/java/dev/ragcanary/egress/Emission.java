package dev.ragcanary.egress;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One emission as the telemetry line records it (the egress record of the shared contract C; the router copies the
 * response's {@code egress} array of these into its line).
 *
 * @param tries       HTTP attempts made (0 when nothing was sent; 1 for a sink write)
 * @param success     accepted by the partner (2xx) or held by the sink
 * @param ageMs       request start to acceptance; for an emission that was not accepted, to when it ended
 * @param statusClass the partner's last answer: 2xx, 4xx (any other answer below 500), 5xx, timeout, network; none
 *                    when no partner answered (sink, suppressed, never sent)
 * @param destination partner, sink, or suppressed (the key was already claimed or posted: nothing sent)
 */
public record Emission(String webhook, String variant, boolean shadow, DedupeKey dedupeKey, int tries,
                       boolean success, long ageMs, String statusClass, String destination) {
    public static final String PARTNER = "partner";
    public static final String SINK = "sink";
    public static final String SUPPRESSED = "suppressed";
    public static final String NO_STATUS = "none";

    /** The contract C object, snake_case as the telemetry line has it. */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("webhook", webhook);
        json.put("variant", variant);
        json.put("shadow", shadow);
        json.put("dedupe_key", dedupeKey.hex());
        json.put("tries", tries);
        json.put("success", success);
        json.put("age_ms", ageMs);
        json.put("status_class", statusClass);
        json.put("destination", destination);
        return json;
    }
}
