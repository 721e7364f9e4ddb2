package dev.ragcanary.egress;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The claims table: one item per dedupe key sent to a partner, written before the post, so a partner gets each key at
 * most once however many variants and retries emit it.
 *
 * <p>An item: {@code dedupeKey} (partition key), {@code owner} (the request that may post it), {@code state}
 * (CLAIMED, POSTED, FAILED, ORPHANED), {@code attempt} (bumped each time the owner takes its claim up again),
 * {@code leaseUntil} (epoch ms: until then the owner may still be posting), {@code claimedAt}, {@code webhook},
 * {@code variant}, and after the post {@code finishedAt}, {@code tries}, {@code statusClass}; {@code expiresAt} (epoch
 * seconds, TTL) ends the dedupe window.
 */
final class Claims {
    static final String KEY = "dedupeKey";
    static final String CLAIMED = "CLAIMED";
    static final String POSTED = "POSTED";
    static final String FAILED = "FAILED";
    static final String ORPHANED = "ORPHANED";
    private static final System.Logger LOG = System.getLogger(Claims.class.getName());
    /** Re-reads while waiting for the owner's other attempt to finish its post. */
    private static final Duration POLL = Duration.ofMillis(25);
    /** Rounds of read-and-decide before giving up on a key that keeps changing (nothing is sent then). */
    private static final int ROUNDS = 8;

    /** Whether this request may post the key, and as which attempt. */
    record Decision(boolean post, long attempt, Instant leaseUntil) {
        static final Decision SUPPRESS = new Decision(false, 0, Instant.EPOCH);
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration lease;
    private final Duration window;
    private final Clock clock;

    /**
     * @param lease  how long one post may take (the retry budget); the owner's retry waits it out before taking over
     * @param window how long a key stays claimed (the TTL); after it the same key may be posted again
     */
    Claims(DynamoDbClient dynamo, String table, Duration lease, Duration window, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.lease = lease;
        this.window = window;
        this.clock = clock;
    }

    /** Claims the key for the request's owner, or finds who has it. Throws only when DynamoDB cannot be reached. */
    Decision claim(DedupeKey key, Webhook webhook, RequestContext request) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, s(key.hex()));
        item.put("owner", s(request.ownerId()));
        item.put("state", s(CLAIMED));
        item.put("attempt", n(1));
        item.put("leaseUntil", n(now.plus(lease).toEpochMilli()));
        item.put("claimedAt", n(now.toEpochMilli()));
        item.put("webhook", s(webhook.name()));
        item.put("variant", s(request.variant()));
        item.put("expiresAt", n(now.plus(window).getEpochSecond()));
        Map<String, AttributeValue> existing;
        try {
            dynamo.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#key)")
                    .expressionAttributeNames(Map.of("#key", KEY))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new Decision(true, 1, now.plus(lease));
        } catch (ConditionalCheckFailedException taken) {
            // DynamoDB returns the item that failed the check (ALL_OLD); dynalite does not, so read it then.
            existing = taken.hasItem() && !taken.item().isEmpty() ? taken.item() : read(key);
        }
        return decide(key, request, existing);
    }

    private Decision decide(DedupeKey key, RequestContext request, Map<String, AttributeValue> existing) {
        for (int round = 0; round < ROUNDS; round++) {
            if (existing == null) {
                // The TTL took the claim between our write and our read: rare enough to send nothing this time.
                LOG.log(Level.INFO, "egress claim {0} expired while read; not posted by this request", key.hex());
                return Decision.SUPPRESS;
            }
            String state = existing.get("state").s();
            boolean mine = request.ownerId().equals(existing.get("owner").s());
            Instant leaseUntil = Instant.ofEpochMilli(Long.parseLong(existing.get("leaseUntil").n()));
            if (POSTED.equals(state)) {
                return Decision.SUPPRESS;
            }
            if (!mine) {
                if (CLAIMED.equals(state) && clock.instant().isAfter(leaseUntil)) {
                    markOrphaned(key, existing, request);
                }
                return Decision.SUPPRESS; // at most once: never post a key another request claimed
            }
            long attempt = Long.parseLong(existing.get("attempt").n());
            if (clock.instant().isBefore(leaseUntil)) {
                existing = awaitOtherAttempt(key, leaseUntil, attempt);
                continue;
            }
            Decision takeover = takeOver(key, request, attempt);
            if (takeover != null) {
                return takeover;
            }
            existing = read(key);
        }
        return Decision.SUPPRESS;
    }

    /**
     * The owner's earlier attempt may still be posting (a retry that came while it runs): wait until it finishes or
     * its lease ends, then decide again.
     */
    private Map<String, AttributeValue> awaitOtherAttempt(DedupeKey key, Instant leaseUntil, long attempt) {
        Map<String, AttributeValue> current = read(key);
        while (current != null && clock.instant().isBefore(leaseUntil)
                && CLAIMED.equals(current.get("state").s())
                && Long.parseLong(current.get("attempt").n()) == attempt) {
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return current;
            }
            current = read(key);
        }
        return current;
    }

    /** The owner's retry takes its own unfinished claim up again, as the next attempt; null if another retry won. */
    private Decision takeOver(DedupeKey key, RequestContext request, long seenAttempt) {
        Instant now = clock.instant();
        try {
            dynamo.updateItem(b -> b.tableName(table).key(Map.of(KEY, s(key.hex())))
                    .updateExpression("SET attempt = :next, leaseUntil = :lease, #state = :claimed")
                    .conditionExpression("#owner = :me AND attempt = :seen AND #state <> :posted")
                    .expressionAttributeNames(Map.of("#state", "state", "#owner", "owner"))
                    .expressionAttributeValues(Map.of(":next", n(seenAttempt + 1), ":seen", n(seenAttempt),
                            ":lease", n(now.plus(lease).toEpochMilli()), ":claimed", s(CLAIMED),
                            ":posted", s(POSTED), ":me", s(request.ownerId()))));
            return new Decision(true, seenAttempt + 1, now.plus(lease));
        } catch (ConditionalCheckFailedException anotherRetryWon) {
            return null;
        }
    }

    /**
     * A claim whose lease ended unposted: its owner crashed between claim and post and has not retried. It stays
     * unposted (at most once wins); marking it makes it findable, and the owner may still come back and post.
     */
    private void markOrphaned(DedupeKey key, Map<String, AttributeValue> seen, RequestContext by) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(Map.of(KEY, s(key.hex())))
                    .updateExpression("SET #state = :orphaned, orphanedAt = :now, orphanSeenBy = :by")
                    .conditionExpression("#state = :claimed AND attempt = :seen")
                    .expressionAttributeNames(Map.of("#state", "state"))
                    .expressionAttributeValues(Map.of(":orphaned", s(ORPHANED), ":claimed", s(CLAIMED),
                            ":seen", seen.get("attempt"), ":now", n(clock.millis()), ":by", s(by.ownerId()))));
            LOG.log(Level.WARNING, "egress claim {0} of {1} orphaned: claimed by {2}, never posted",
                    key.hex(), seen.get("webhook").s(), seen.get("owner").s());
        } catch (ConditionalCheckFailedException changedMeanwhile) {
            // the owner came back (or another request marked it): nothing to record
        } catch (RuntimeException unrecorded) {
            LOG.log(Level.WARNING, "egress claim {0} looks orphaned but could not be marked: {1}", key.hex(),
                    unrecorded.toString());
        }
    }

    /** Records how the owner's post ended; a later attempt of the same owner having taken over is not overwritten. */
    void finish(DedupeKey key, RequestContext request, long attempt, PartnerPoster.Delivery delivery) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(Map.of(KEY, s(key.hex())))
                    .updateExpression("SET #state = :state, finishedAt = :at, tries = :tries, statusClass = :class,"
                            + " leaseUntil = :at")
                    .conditionExpression("#owner = :me AND attempt = :attempt")
                    .expressionAttributeNames(Map.of("#state", "state", "#owner", "owner"))
                    .expressionAttributeValues(Map.of(":state", s(delivery.success() ? POSTED : FAILED),
                            ":at", n(delivery.endedAt().toEpochMilli()), ":tries", n(delivery.tries()),
                            ":class", s(delivery.statusClass()), ":me", s(request.ownerId()),
                            ":attempt", n(attempt))));
        } catch (ConditionalCheckFailedException overtaken) {
            LOG.log(Level.WARNING, "egress claim {0}: attempt {1} finished after the owner's retry took over",
                    key.hex(), attempt);
        } catch (RuntimeException unrecorded) {
            // The claim still says CLAIMED: no other request posts the key; only this owner's retry could, after the lease.
            LOG.log(Level.WARNING, "egress claim {0}: post ended {1} but could not be recorded: {2}", key.hex(),
                    delivery.statusClass(), unrecorded.toString());
        }
    }

    Map<String, AttributeValue> read(DedupeKey key) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(Map.of(KEY, s(key.hex())))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? null : item;
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
