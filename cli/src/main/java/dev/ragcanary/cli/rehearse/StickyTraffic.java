package dev.ragcanary.cli.rehearse;

import dev.ragcanary.cli.rehearse.RehearsalReport.Stickiness;
import dev.ragcanary.cli.rehearse.RehearsalReport.Traffic;
import dev.ragcanary.cli.rehearse.RehearsalReport.Violation;
import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.ports.RolloutStateReader;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.traffic.EdgeDecisions;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Sticky users sending requests through the real {@link StickyRouter} (rollout state and assignment stores behind
 * it) in virtual time, and the stickiness audit, request by request, of what the router served.
 *
 * <p>The rule (docs/design.md, "Traffic"): while a rollout is active a user is on the canary only if their bucket
 * (the router's own bucket function, salted with the rollout id) is under the weight the router applies. Inside the
 * stickiness window a user moves control → canary only when a weight increase takes their bucket in (it was not under
 * the previous weight, it is under the new one), and canary → control only after an epoch bump (a rollback). Anything
 * else is a violation. Users are keyed by the start input's sticky attribute, as real clients send it.
 *
 * <p>Everything here follows the virtual clock and a seeded order, never the wall clock: the same windows and seed
 * give the same requests, assignments and figures.
 */
public final class StickyTraffic {
    /** How often a user comes back inside a window: a 30-minute bake sees every user once, a 1-hour window twice. */
    static final Duration VISIT_EVERY = Duration.ofMinutes(30);
    /** How many violations the report shows as examples; all are counted. */
    static final int EXAMPLES = 5;

    /**
     * How a request reaches the router: directly, or through an edge router ({@link EdgeRouting}); a test breaks the
     * way to prove the audit fails.
     */
    @FunctionalInterface
    interface Routing {
        Routing DIRECT = StickyRouter::route;

        RouteDecision route(StickyRouter router, RouteRequest request);

        /** How the router checks an edge's signed decisions; null when no edge is on the way. */
        default EdgeDecisions edgeDecisions() {
            return null;
        }
    }

    /** What answers a routed request: in a rehearsal, the real sample RAG target of the variant served. */
    @FunctionalInterface
    interface Answering {
        Answering NOBODY = (user, decision, served, at) -> { };

        /** @param at the request's virtual time */
        void answer(String user, RouteDecision decision, Variant served, Instant at);
    }

    private final StickyRouter router;
    private final Routing routing;
    private final Answering answering;
    private final VirtualClock clock;
    private final String region;
    private final String keyAttribute;
    private final String keySource;
    private final Duration stickiness;
    private final Instant start;
    private final List<String> users;
    private final Random random;
    private final Map<String, Seen> lastSeen = new HashMap<>();
    private final Set<String> added = new HashSet<>();
    private final Set<String> movedBack = new HashSet<>();
    private final Set<String> violators = new HashSet<>();
    private final List<Violation> examples = new ArrayList<>();
    private final Map<String, Counts> byLabel = new LinkedHashMap<>();
    private long requests;
    private long violations;
    /** The end of the last window sent: a window asked for again sends only what lies after it. */
    private Instant sentUntil;

    /** What a user was last served, and whether their bucket was under the weight then. */
    private record Seen(Variant variant, Instant at, long epoch, boolean underWeight) {
    }

    /** Requests and distinct users per variant under one label (one stage run). */
    private static final class Counts {
        final long[] requests = new long[2];
        final Set<String> control = new HashSet<>();
        final Set<String> canary = new HashSet<>();
        /** routing.edge_decision -> requests, or null when no edge is on the way. */
        final Map<String, Long> edgeDecisions;

        Counts(boolean throughEdge) {
            this.edgeDecisions = throughEdge ? new TreeMap<>() : null;
        }

        Traffic traffic() {
            long all = requests[0] + requests[1];
            return new Traffic(requests[0], requests[1], all == 0 ? null : (double) requests[1] / all, control.size(),
                    canary.size(), edgeDecisions == null ? null : Map.copyOf(edgeDecisions));
        }
    }

    /**
     * @param region the region the users are in (the pilot region sees every stage's weight)
     * @param start  the virtual time the rollout starts at; violations are reported in seconds since
     * @param users  how many distinct sticky users send requests
     */
    public StickyTraffic(String functionName, String alias, String region, RolloutStateReader rollouts,
                         AssignmentStore assignments, String keyAttribute, String keySource, Duration stickiness,
                         Instant start, int users, long seed) {
        this(functionName, alias, region, rollouts, assignments, keyAttribute, keySource, stickiness, start, users, seed,
                Routing.DIRECT, Answering.NOBODY);
    }

    StickyTraffic(String functionName, String alias, String region, RolloutStateReader rollouts,
                  AssignmentStore assignments, String keyAttribute, String keySource, Duration stickiness,
                  Instant start, int users, long seed, Routing routing, Answering answering) {
        this.clock = new VirtualClock(start);
        // The router's state cache, in virtual time: a rollback reaches the users within half a minute. Every request
        // of the shadow stage is mirrored to the canary: a bake's 300 users then give the shadow rules the emissions
        // they need to judge (egressMinEmissions, 200).
        this.router = new StickyRouter(new StickyRouter.Settings(functionName, alias, region, Duration.ofSeconds(30), 1.0),
                rollouts, assignments, clock, () -> 0.0,
                routing.edgeDecisions() == null ? EdgeDecisions.NONE : routing.edgeDecisions());
        this.routing = routing;
        this.answering = answering;
        this.region = region;
        this.keyAttribute = keyAttribute;
        this.keySource = keySource;
        this.stickiness = stickiness;
        this.start = start;
        this.sentUntil = start;
        this.random = new Random(seed);
        List<String> keys = new ArrayList<>(users);
        for (int i = 0; i < users; i++) {
            keys.add("user-" + seed + "-" + i);
        }
        this.users = List.copyOf(keys);
    }

    /**
     * Every user sends one request per {@link #VISIT_EVERY} of {@code [from, to)} (at least one), each round in a
     * seeded random order, at times spread evenly over the window; they count under {@code label}. The part of the
     * window already sent (a window asked for again, say by a retried task) is not sent twice.
     *
     * @return the requests and users per variant under {@code label} so far
     */
    public synchronized Traffic window(String label, Instant from, Instant to) {
        Counts counts = byLabel.computeIfAbsent(label, l -> new Counts(routing.edgeDecisions() != null));
        Instant begin = from.isAfter(sentUntil) ? from : sentUntil;
        if (!to.isAfter(begin)) {
            return counts.traffic();
        }
        sentUntil = to;
        long spanMillis = Duration.between(begin, to).toMillis();
        long rounds = Math.max(1, Math.round((double) spanMillis / VISIT_EVERY.toMillis()));
        long total = rounds * users.size();
        long sent = 0;
        for (long round = 0; round < rounds; round++) {
            List<String> order = new ArrayList<>(users);
            Collections.shuffle(order, random);
            for (String user : order) {
                clock.set(begin.plusMillis(spanMillis * sent++ / total));
                RouteDecision decision = routing.route(router, request(user));
                Variant served = audit(user, decision);
                counts.requests[served == Variant.CANARY ? 1 : 0]++;
                if (counts.edgeDecisions != null) {
                    counts.edgeDecisions.merge(decision.edgeDecision(), 1L, Long::sum);
                }
                (served == Variant.CANARY ? counts.canary : counts.control).add(user);
            }
        }
        return counts.traffic();
    }

    /** The requests and users per variant sent under {@code label}, or null when none were. */
    public synchronized Traffic traffic(String label) {
        Counts counts = byLabel.get(label);
        return counts == null ? null : counts.traffic();
    }

    /** The latest virtual time a request was sent at (the start before any). */
    public synchronized Instant latest() {
        return clock.instant();
    }

    public synchronized Stickiness stickiness() {
        return new Stickiness(users.size(), requests, added.size(), movedBack.size(), violators.size(), violations,
                examples);
    }

    private RouteRequest request(String user) {
        Map<String, String> headers = "header".equals(keySource) ? Map.of(keyAttribute.toLowerCase(Locale.ROOT), user) : Map.of();
        return new RouteRequest(headers, () -> "body".equals(keySource)
                ? Json.MAPPER.createObjectNode().put(keyAttribute, user) : null);
    }

    /** Checks what {@code user} was served against the rule; returns the version that answered. */
    private Variant audit(String user, RouteDecision decision) {
        RolloutState state = router.currentState().orElse(null);
        Variant served = served(decision, state);
        Instant now = clock.instant();
        answering.answer(user, decision, served, now);
        requests++;
        long epoch = state == null ? 0 : state.epoch();
        double weight = servedWeight(state);
        int bucket = state == null ? -1 : StickyBucket.bucket(state.rolloutId(), user);
        boolean under = state != null && StickyBucket.isCanary(bucket, weight);
        Seen before = lastSeen.put(user, new Seen(served, now, epoch, under));
        String broken = null;
        if (served == Variant.CANARY && !under) {
            broken = "on the canary with bucket " + bucket + ", not under the weight " + ReportHtml.percent(weight)
                    + " (buckets below " + threshold(weight) + ")";
        } else if (before != null && before.variant() != served && now.isBefore(before.at().plus(stickiness))) {
            if (served == Variant.CANARY) {
                if (before.underWeight() || epoch < before.epoch()) {
                    broken = "moved to the canary at weight " + ReportHtml.percent(weight) + " though no weight increase"
                            + " took bucket " + bucket + " in (it was already under the weight before, or the epoch went back)";
                } else {
                    added.add(user);
                }
            } else if (epoch > before.epoch()) {
                movedBack.add(user);
            } else {
                broken = "moved back to the control without a rollback (epoch " + epoch + " unchanged), bucket " + bucket
                        + " at weight " + ReportHtml.percent(weight);
            }
        }
        if (broken != null) {
            violations++;
            violators.add(user);
            if (examples.size() < EXAMPLES) {
                examples.add(new Violation(user, seconds(now), state == null ? "none" : state.stage(),
                        before == null ? null : before.variant().name(), served.name(), broken));
            }
        }
        return served;
    }

    /**
     * The canary weight the router serves this user by: its region's while a rollout is active, everything once the
     * alias serves the promoted canary, nothing after a rollback or before any rollout.
     */
    private double servedWeight(RolloutState state) {
        if (state == null) {
            return 0;
        }
        if (state.status() == RolloutStatus.ACTIVE) {
            return region == null ? state.weight() : state.regionWeights().getOrDefault(region, 0.0);
        }
        return promoted(state) ? 1 : 0;
    }

    private static long threshold(double weight) {
        return Math.round(weight * StageLadder.BUCKETS);
    }

    private double seconds(Instant at) {
        return Duration.between(start, at).toMillis() / 1000.0;
    }

    /** The version that answers: the alias serves the canary once promoted, the control before and after a rollback. */
    private static Variant served(RouteDecision decision, RolloutState state) {
        if (decision.variant() != Variant.ALIAS) {
            return decision.variant();
        }
        return promoted(state) ? Variant.CANARY : Variant.CONTROL;
    }

    private static boolean promoted(RolloutState state) {
        return state != null && (state.status() == RolloutStatus.PROMOTED
                || state.status() == RolloutStatus.RELEASED && "full".equals(state.stage()));
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
