package dev.ragcanary.core.traffic;

import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.ports.RolloutStateReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * Resolves each request to a variant (docs/design.md "Traffic"). Lambda's own alias split is random per invocation, so
 * keyed requests are pinned here and invoked by version; unkeyed ones go to the alias.
 *
 * <p>The rollout state is cached for {@code stateCacheTtl}, so a rollback reaches every router within that time.
 * Routing never fails a request: when a store is unavailable or the request cannot be read, the request goes where
 * the last rollout state seen sends everyone (see {@link RouteDecision#fallback()}) and is counted.
 */
public final class StickyRouter {
    /**
     * Stage five "adds the trusted tenants" (docs/design.md): from this weight on, a tenant on the rollout's trusted list
     * is on the canary unless it asks for the control with {@code x-exp: control}.
     */
    public static final double TRUSTED_TENANTS_FROM_WEIGHT = 0.05;

    private final String functionName;
    private final String alias;
    private final String region;
    private final RolloutStateReader rollouts;
    private final AssignmentStore assignments;
    private final Clock clock;
    private final Duration stateCacheTtl;
    private final double shadowSampleRate;
    private final DoubleSupplier random;
    private final EdgeDecisions edgeDecisions;
    private final LongAdder fallbacks = new LongAdder();
    private volatile CachedState cached;

    /**
     * What one router instance routes and how.
     *
     * @param region           the region this router runs in: its canary weight is that region's (pilot only before
     *                         stage ten); null uses the pilot weight
     * @param stateCacheTtl    how long the rollout state is reused before it is read again
     * @param shadowSampleRate share (0..1) of requests mirrored to the canary during the shadow stage
     */
    public record Settings(String functionName, String alias, String region, Duration stateCacheTtl,
                           double shadowSampleRate) {
        public Settings {
            if (shadowSampleRate < 0 || shadowSampleRate > 1) {
                throw new IllegalArgumentException("shadow sample rate must be within 0..1 but was " + shadowSampleRate);
            }
        }
    }

    /** @param random uniform 0..1 source for shadow sampling */
    public StickyRouter(Settings settings, RolloutStateReader rollouts, AssignmentStore assignments, Clock clock,
                        DoubleSupplier random) {
        this(settings, rollouts, assignments, clock, random, EdgeDecisions.NONE);
    }

    /** @param edgeDecisions checks the decision an edge router signed, when the request carries one */
    public StickyRouter(Settings settings, RolloutStateReader rollouts, AssignmentStore assignments, Clock clock,
                        DoubleSupplier random, EdgeDecisions edgeDecisions) {
        this.edgeDecisions = edgeDecisions;
        this.functionName = settings.functionName();
        this.alias = settings.alias();
        this.region = settings.region();
        this.rollouts = rollouts;
        this.assignments = assignments;
        this.clock = clock;
        this.stateCacheTtl = settings.stateCacheTtl();
        this.shadowSampleRate = settings.shadowSampleRate();
        this.random = random;
    }

    /**
     * Routes one request. A trusted edge decision ({@link EdgeDecisions}) takes the place of this router's own
     * bucketing: the key's stored assignment still wins, and a new one is claimed with the edge's variant, so a user
     * stays on one variant whether the edge or this router decided. An untrusted one is ignored; either way the
     * decision says what became of it.
     */
    public RouteDecision route(RouteRequest request) {
        CachedState snapshot = state();
        RolloutState state = snapshot.state().orElse(null);
        double weight = state == null ? 0 : region == null ? state.weight() : state.regionWeights().getOrDefault(region, 0.0);
        EdgeDecisions.Check edge = edgeDecisions.check(request.headers(), state, weight);
        return route(request, snapshot, state, weight, edge).withEdgeDecision(edge.outcome().label());
    }

    private RouteDecision route(RouteRequest request, CachedState snapshot, RolloutState state, double weight,
                                EdgeDecisions.Check edge) {
        if (snapshot.unavailable()) {
            return fallback(state, RouteDecision.Reason.STORE_UNAVAILABLE);
        }
        if (state == null || state.status() == RolloutStatus.PROMOTED || state.status() == RolloutStatus.RELEASED) {
            return decision(state, Variant.ALIAS, RouteDecision.Reason.NO_ACTIVE_ROLLOUT, null, -1, false, false, false);
        }
        if (state.status() == RolloutStatus.ROLLED_BACK) {
            return decision(state, Variant.CONTROL, RouteDecision.Reason.ROLLED_BACK, null, -1, false, false, false);
        }
        boolean shadowStage = state.weight() == 0 && !RolloutState.START_STAGE.equals(state.stage());
        boolean mirror = shadowStage && shadowSampleRate > 0 && random.getAsDouble() < shadowSampleRate;
        String key;
        try {
            key = request.stickyKey(state.stickyKeyAttribute(), state.stickySource());
        } catch (RouteRequest.UnparseableRequestException unparseable) {
            return fallback(state, RouteDecision.Reason.UNPARSEABLE);
        }

        String asked = request.header(RouteRequest.EXPERIMENT_HEADER);
        // Trust comes only from the verified tenant: a sticky key or a header is whatever the client sent.
        boolean trusted = request.tenant() != null && state.trustedTenants().contains(request.tenant());
        boolean ignored = false;
        if (asked != null) {
            Variant wanted = Variant.fromLabel(asked);
            if (trusted && (wanted == Variant.CONTROL || wanted == Variant.CANARY && weight > 0)) {
                return decision(state, wanted, RouteDecision.Reason.TRUSTED_EXPERIMENT, key, -1, false, mirror, false);
            }
            ignored = true;
        } else if (trusted && weight >= TRUSTED_TENANTS_FROM_WEIGHT) {
            return decision(state, Variant.CANARY, RouteDecision.Reason.TRUSTED_TENANT, key, -1, false, mirror, false);
        }
        if (key == null) {
            return edge.trusted()
                    ? decision(state, edge.variant(), RouteDecision.Reason.EDGE_DECISION, null, edge.bucket(), false,
                    mirror, ignored)
                    : decision(state, Variant.ALIAS, RouteDecision.Reason.UNKEYED, null, -1, false, mirror, ignored);
        }
        int bucket = edge.trusted() ? edge.bucket() : StickyBucket.bucket(state.rolloutId(), key);
        Instant now = clock.instant();
        try {
            Optional<Assignment> stored = assignments.get(functionName, alias, key);
            if (stored.isPresent() && stored.get().validFor(state, weight, now)) {
                return decision(state, stored.get().variant(), RouteDecision.Reason.ASSIGNED, key, bucket, false, mirror, ignored);
            }
            Variant variant = edge.trusted() ? edge.variant()
                    : StickyBucket.isCanary(bucket, weight) ? Variant.CANARY : Variant.CONTROL;
            Assignment candidate = new Assignment(key, state.rolloutId(), state.epoch(), variant,
                    state.qualifierOf(variant, region), weight, now.plus(Duration.ofHours(state.stickyHours())));
            AssignmentStore.Claim claim = assignments.claim(functionName, alias, candidate, now);
            RouteDecision.Reason reason = claim.written()
                    ? RouteDecision.Reason.NEWLY_ASSIGNED : RouteDecision.Reason.LOST_RACE;
            return decision(state, claim.assignment().variant(), reason, key, bucket, false, mirror, ignored);
        } catch (RuntimeException storeDown) {
            return fallback(state, RouteDecision.Reason.STORE_UNAVAILABLE);
        }
    }

    /**
     * Routes a request whose front door could not read it (say, a malformed event or headers) as a fallback with
     * reason {@link RouteDecision.Reason#UNPARSEABLE}.
     */
    public RouteDecision routeUnparseable() {
        return fallback(state().state().orElse(null), RouteDecision.Reason.UNPARSEABLE);
    }

    /**
     * Where a warm-up ping goes: every version a user's request can reach now, so none of them meets users cold.
     * That is the control and the canary while a rollout is active (the canary too in the shadow stage, which
     * mirrors to it), the control after a rollback, else the alias. Never counted, never assigned; when the store
     * is unavailable, the last state seen decides.
     */
    public List<RouteDecision> warmUp() {
        RolloutState state = state().state().orElse(null);
        RouteDecision.Reason reason = RouteDecision.Reason.WARM_UP;
        if (state == null || state.status() == RolloutStatus.PROMOTED || state.status() == RolloutStatus.RELEASED) {
            return List.of(decision(state, Variant.ALIAS, reason, null, -1, true, false, false));
        }
        if (state.status() == RolloutStatus.ROLLED_BACK) {
            return List.of(decision(state, Variant.CONTROL, reason, null, -1, true, false, false));
        }
        return List.of(decision(state, Variant.CONTROL, reason, null, -1, true, false, false),
                decision(state, Variant.CANARY, reason, null, -1, true, false, false));
    }

    /**
     * Requests routed as a fallback (a store was unavailable or the request unparseable) since this router was
     * created; warm-up pings are never fallbacks.
     */
    public long fallbackCount() {
        return fallbacks.sum();
    }

    /** The region this router runs in (its versions are that region's), or null outside AWS. */
    public String region() {
        return region;
    }

    /**
     * The rollout state the last {@link #route} decided with (empty before the first). Never reads the store, so a
     * caller labelling the request it just routed sees the same state and adds no store read to the request.
     */
    public Optional<RolloutState> currentState() {
        CachedState current = cached;
        return current == null ? Optional.empty() : current.state();
    }

    /**
     * Without a store or a readable request the last state seen is the best truth left: a rollout still running, or
     * rolled back, keeps everyone on the control; once promoted or released (or before any state was seen) the alias
     * is the truth.
     */
    private RouteDecision fallback(RolloutState state, RouteDecision.Reason reason) {
        fallbacks.increment();
        boolean controlServes = state != null
                && (state.status() == RolloutStatus.ACTIVE || state.status() == RolloutStatus.ROLLED_BACK);
        return decision(state, controlServes ? Variant.CONTROL : Variant.ALIAS, reason, null, -1, false, false, false);
    }

    private RouteDecision decision(RolloutState state, Variant variant, RouteDecision.Reason reason, String key,
                                   int bucket, boolean warm, boolean mirror, boolean ignored) {
        if (state == null) {
            return new RouteDecision(variant, alias, reason, null, 0, key, bucket, warm, false, null, ignored, null);
        }
        return new RouteDecision(variant, state.qualifierOf(variant, region), reason, state.rolloutId(), state.epoch(),
                key, bucket, warm, mirror, mirror ? state.qualifierOf(Variant.CANARY, region) : null, ignored, null);
    }

    private CachedState state() {
        CachedState current = cached;
        Instant now = clock.instant();
        if (current != null && now.isBefore(current.fetchedAt().plus(stateCacheTtl))) {
            return current;
        }
        CachedState fresh;
        try {
            fresh = new CachedState(rollouts.read(functionName, alias), now, false);
        } catch (RuntimeException storeDown) {
            // Keep what we knew (to find the control version) and try the store again after one cache lifetime.
            fresh = new CachedState(current == null ? Optional.empty() : current.state(), now, true);
        }
        cached = fresh;
        return fresh;
    }

    private record CachedState(Optional<RolloutState> state, Instant fetchedAt, boolean unavailable) {
    }
}
