package dev.ragcanary.cli.rehearse;

import dev.ragcanary.cli.rehearse.RehearsalReport.Stickiness;
import dev.ragcanary.cli.rehearse.RehearsalReport.Traffic;
import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.core.ports.RolloutStateReader;
import dev.ragcanary.core.traffic.RouteDecision;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.core.traffic.StickyRouter;
import dev.ragcanary.core.traffic.Variant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Sticky users sending requests through the real {@link StickyRouter} (rollout state and assignment stores behind
 * it) in virtual time, checking stickiness request by request.
 *
 * <p>A user may change variant only in two ways: a weight increase adds them to the canary (their bucket is now
 * under the weight), or a rollback moves them back to the control (the epoch changed). Any other change inside the
 * stickiness window is a violation. Users are keyed by the start input's sticky attribute, as real clients send it.
 */
public final class StickyTraffic {
    private final StickyRouter router;
    private final VirtualClock clock;
    private final String keyAttribute;
    private final String keySource;
    private final Duration stickiness;
    private final List<String> users;
    private final Random random;
    private final Map<String, Seen> lastSeen = new HashMap<>();
    private final Set<String> switched = new HashSet<>();
    private final Set<String> added = new HashSet<>();
    private final Set<String> movedBack = new HashSet<>();
    private final Map<String, long[]> byStage = new java.util.LinkedHashMap<>();
    private long requests;
    private int next;

    private record Seen(Variant variant, Instant at, double weight, long epoch) {
    }

    /**
     * @param region the region the users are in (the pilot region sees every stage's weight)
     * @param users  how many distinct sticky users send requests
     */
    public StickyTraffic(String functionName, String alias, String region, RolloutStateReader rollouts,
                         AssignmentStore assignments, String keyAttribute, String keySource, Duration stickiness,
                         int users, long seed) {
        this.clock = new VirtualClock(Instant.EPOCH);
        // The router's state cache, in virtual time: a rollback reaches the users within half a minute.
        this.router = new StickyRouter(new StickyRouter.Settings(functionName, alias, region, Duration.ofSeconds(30), 0.0),
                rollouts, assignments, clock, () -> 0.0);
        this.keyAttribute = keyAttribute;
        this.keySource = keySource;
        this.stickiness = stickiness;
        this.random = new Random(seed);
        List<String> keys = new ArrayList<>(users);
        for (int i = 0; i < users; i++) {
            keys.add("user-" + seed + "-" + i);
        }
        this.users = List.copyOf(keys);
    }

    /**
     * Every user sends one request, in random order, at times spread evenly over {@code [from, to)}.
     *
     * @return the requests per variant the users were served in this window
     */
    public synchronized Traffic window(Instant from, Instant to) {
        List<String> order = new ArrayList<>(users);
        Collections.shuffle(order, random);
        long spanMillis = Math.max(1, Duration.between(from, to).toMillis());
        long control = 0;
        long canary = 0;
        for (int i = 0; i < order.size(); i++) {
            clock.set(from.plusMillis(spanMillis * i / order.size()));
            if (route(order.get(i)) == Variant.CANARY) {
                canary++;
            } else {
                control++;
            }
        }
        return new Traffic(control, canary, control + canary == 0 ? null : (double) canary / (control + canary));
    }

    /**
     * The next user (users take turns) sends one request at {@code at}; it counts towards the stage the router saw.
     */
    public synchronized Variant send(Instant at) {
        clock.set(at.isAfter(clock.instant()) ? at : clock.instant());
        String user = users.get(next);
        next = (next + 1) % users.size();
        return route(user);
    }

    /**
     * Requests per variant by the stage of the rollout state the router saw: "none" before the rollout began,
     * "rolled back" after a rollback, "full" once promoted.
     */
    public synchronized Map<String, Traffic> byStage() {
        Map<String, Traffic> traffic = new java.util.LinkedHashMap<>();
        byStage.forEach((stage, counts) -> traffic.put(stage, new Traffic(counts[0], counts[1],
                counts[0] + counts[1] == 0 ? null : (double) counts[1] / (counts[0] + counts[1]))));
        return traffic;
    }

    /** The latest virtual time a request was sent at (the epoch before any). */
    public synchronized Instant latest() {
        return clock.instant();
    }

    public synchronized Stickiness stickiness() {
        return new Stickiness(users.size(), requests, switched.size(), added.size(), movedBack.size());
    }

    private Variant route(String user) {
        Map<String, String> headers = "header".equals(keySource) ? Map.of(keyAttribute.toLowerCase(java.util.Locale.ROOT), user) : Map.of();
        RouteRequest request = new RouteRequest(headers, () -> "body".equals(keySource)
                ? dev.ragcanary.core.json.Json.MAPPER.createObjectNode().put(keyAttribute, user) : null);
        RouteDecision decision = router.route(request);
        RolloutState state = router.currentState().orElse(null);
        Variant served = served(decision, state);
        Instant now = clock.instant();
        double weight = state == null ? 0 : state.weight();
        long epoch = state == null ? 0 : state.epoch();
        Seen before = lastSeen.put(user, new Seen(served, now, weight, epoch));
        requests++;
        byStage.computeIfAbsent(phase(state), s -> new long[2])[served == Variant.CANARY ? 1 : 0]++;
        if (before != null && before.variant() != served && now.isBefore(before.at().plus(stickiness))) {
            if (served == Variant.CANARY && weight > before.weight()) {
                added.add(user);
            } else if (served == Variant.CONTROL && epoch > before.epoch()) {
                movedBack.add(user);
            } else {
                switched.add(user);
            }
        }
        return served;
    }

    /** The stage the request counts towards; after a rollback the state keeps its stage name but no stage runs. */
    private static String phase(RolloutState state) {
        if (state == null) {
            return "none";
        }
        if (state.status() == RolloutStatus.ACTIVE) {
            return state.stage();
        }
        return state.status() == RolloutStatus.PROMOTED || "full".equals(state.stage()) ? "full" : "rolled back";
    }

    /** The version that answers: the alias serves the canary once promoted, the control before and after a rollback. */
    private static Variant served(RouteDecision decision, RolloutState state) {
        if (decision.variant() != Variant.ALIAS) {
            return decision.variant();
        }
        boolean promoted = state != null && (state.status() == RolloutStatus.PROMOTED
                || state.status() == RolloutStatus.RELEASED && "full".equals(state.stage()));
        return promoted ? Variant.CANARY : Variant.CONTROL;
    }

    /** A clock the simulation moves; the router reads virtual time from it. */
    static final class VirtualClock extends Clock {
        private volatile Instant now;

        VirtualClock(Instant start) {
            this.now = start;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
