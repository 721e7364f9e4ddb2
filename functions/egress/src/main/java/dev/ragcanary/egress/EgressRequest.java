package dev.ragcanary.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The emissions of one request: post through it, then return {@link #toJson()} as the response's top-level
 * {@code egress} array. A post never throws for a partner or DynamoDB failure: it comes back as an unsuccessful
 * {@link Emission}. Thread-safe.
 */
public final class EgressRequest {
    private static final System.Logger LOG = System.getLogger(EgressRequest.class.getName());

    private final Egress egress;
    private final RequestContext context;
    private final List<Emission> emissions = new ArrayList<>();

    EgressRequest(Egress egress, RequestContext context) {
        this.egress = egress;
        this.context = context;
    }

    /** Posts with the dedupe key over the whole payload. */
    public Emission post(Webhook webhook, JsonNode payload) {
        return post(webhook, payload, DedupeKey.of(webhook, payload));
    }

    /** Posts with the dedupe key over the named top-level fields of the payload ({@link DedupeKey#ofFields}). */
    public Emission post(Webhook webhook, JsonNode payload, List<String> idempotencyFields) {
        return post(webhook, payload, DedupeKey.ofFields(webhook, payload, idempotencyFields));
    }

    /**
     * Posts with the caller's key. A shadow request writes the sink instead; a live one claims the key, posts it if
     * the claim is its own, and records the outcome.
     *
     * @throws IllegalArgumentException for a null webhook or payload (nothing is sent)
     */
    public Emission post(Webhook webhook, JsonNode payload, DedupeKey key) {
        if (webhook == null || payload == null || key == null) {
            throw new IllegalArgumentException((webhook == null ? "webhook" : payload == null ? "payload" : "key")
                    + " must not be null");
        }
        Emission emission = context.shadow() ? toSink(webhook, key) : toPartner(webhook, payload, key);
        synchronized (emissions) {
            emissions.add(emission);
        }
        return emission;
    }

    private Emission toSink(Webhook webhook, DedupeKey key) {
        Instant now = egress.clock().instant();
        boolean held;
        try {
            egress.sink().write(key, webhook, egress.functionVersion(context), context, now);
            held = true;
        } catch (RuntimeException unreachable) {
            LOG.log(Level.WARNING, "egress {0}: shadow emission {1} not written to the sink: {2}", webhook.name(),
                    key.hex(), unreachable.toString());
            held = false;
        }
        return emission(webhook, key, 1, held, egress.clock().instant(), Emission.NO_STATUS, Emission.SINK);
    }

    private Emission toPartner(Webhook webhook, JsonNode payload, DedupeKey key) {
        Claims.Decision claim;
        try {
            claim = egress.claims().claim(key, webhook, context);
        } catch (RuntimeException unreachable) {
            // Without a claim nothing is sent: a lost event is visible (success false), a double post would not be.
            LOG.log(Level.WARNING, "egress {0}: {1} not posted, claims table unreachable: {2}", webhook.name(),
                    key.hex(), unreachable.toString());
            return emission(webhook, key, 0, false, egress.clock().instant(), Emission.NO_STATUS, Emission.PARTNER);
        }
        if (!claim.post()) {
            return emission(webhook, key, 0, false, egress.clock().instant(), Emission.NO_STATUS,
                    Emission.SUPPRESSED);
        }
        byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
        PartnerPoster.Delivery delivery = egress.poster().post(webhook, key, body, claim.leaseUntil());
        egress.claims().finish(key, context, claim.attempt(), delivery);
        return emission(webhook, key, delivery.tries(), delivery.success(), delivery.endedAt(),
                delivery.statusClass(), Emission.PARTNER);
    }

    private Emission emission(Webhook webhook, DedupeKey key, int tries, boolean success, Instant at,
                              String statusClass, String destination) {
        long ageMs = Math.max(0, at.toEpochMilli() - context.startedAt().toEpochMilli());
        return new Emission(webhook.name(), context.variant(), context.shadow(), key, tries, success, ageMs,
                statusClass, destination);
    }

    /** The request's emissions so far, in order. */
    public List<Emission> emissions() {
        synchronized (emissions) {
            return List.copyOf(emissions);
        }
    }

    /** The response's {@code egress} array (shared contract C). */
    public ArrayNode toJson() {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        emissions().forEach(emission -> array.add(emission.toJson()));
        return array;
    }
}
