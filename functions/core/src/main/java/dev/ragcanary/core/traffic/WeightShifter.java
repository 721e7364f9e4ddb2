package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Moves a rollout through its lifecycle on the Lambda alias: start, shift, promote, rollback, release.
 *
 * <p>Every action is idempotent (a retried Step Functions task leaves the same state and one ledger entry) and
 * follows the same order: make the alias right (set, then read back and verify), write the ledger entry at the next
 * sequence (a conditional put; already there means already recorded), then write the state item (conditional on its
 * revision). A crash between steps is repaired by running the action again.
 */
public final class WeightShifter {
    static final int THROTTLE_ATTEMPTS = 5;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final double WEIGHT_TOLERANCE = 1e-9;

    private final AliasControl aliases;
    private final FunctionVersions versions;
    private final RolloutStore store;
    private final Ledger ledger;
    private final CachePurger purger;
    private final Clock clock;
    private final Sleeper sleeper;

    public WeightShifter(AliasControl aliases, FunctionVersions versions, RolloutStore store, Ledger ledger,
                         CachePurger purger, Clock clock, Sleeper sleeper) {
        this.aliases = aliases;
        this.versions = versions;
        this.store = store;
        this.ledger = ledger;
        this.purger = purger;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * Takes the alias lock for {@code executionArn} (the rollout machine execution that will drive the alias; recorded
     * as the owner) and records the alias's current version as the control. Refuses when the alias already splits
     * traffic, already points at the canary, or the canary version is missing in a listed region. Starting the same
     * rollout id again while it holds the lock changes nothing and returns the held state with its owner: a caller that
     * is not the owner joins the rollout (waits for the owner's outcome) instead of driving the alias a second time.
     */
    public RolloutState start(RolloutRequest plan, String executionArn) {
        String fn = plan.target().functionName();
        String alias = plan.target().alias();
        String canary = plan.target().canaryVersion();
        Optional<RolloutState> existing = store.read(fn, alias);
        if (existing.isPresent() && existing.get().status().holdsLock()) {
            RolloutState held = existing.get();
            if (!held.rolloutId().equals(plan.rolloutId())) {
                throw new RolloutStore.RolloutLockedException(fn, alias, held.rolloutId(), held.status());
            }
            recordStart(held);
            return held;
        }
        if (existing.isPresent() && existing.get().rolloutId().equals(plan.rolloutId())) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " already finished on " + fn + ":" + alias
                    + "; start a new rollout with another rolloutId");
        }
        String control = null;
        for (String region : plan.regions()) {
            AliasState current = aliases.read(region, fn, alias);
            if (current.functionVersion().equals(canary)) {
                throw new IllegalStateException("alias " + fn + ":" + alias + " in " + region
                        + " already points at canary version " + canary + "; nothing to roll out");
            }
            if (current.additionalVersionWeights().values().stream().anyMatch(w -> w > 0)) {
                throw new IllegalStateException("alias " + fn + ":" + alias + " in " + region + " already routes "
                        + current.additionalVersionWeights() + " besides version " + current.functionVersion()
                        + "; finish or roll back that split before starting a rollout");
            }
            if (!versions.exists(region, fn, canary)) {
                throw new IllegalStateException("canary version " + canary + " of " + fn + " does not exist in "
                        + region + "; publish it first");
            }
            if (control == null) {
                control = current.functionVersion();
            }
        }
        RolloutState stored = store.acquire(RolloutState.initial(plan, control, executionArn));
        recordStart(stored);
        return stored;
    }

    private void recordStart(RolloutState state) {
        ledger.append(new LedgerEntry(state.rolloutId(), 1, clock.instant(), Type.STARTED, RolloutState.START_STAGE,
                0.0, state.epoch(), "control version " + state.controlVersion() + ", canary version "
                + state.canaryVersion(), null));
    }

    /**
     * Sets the canary weight of {@code stageName}: in the pilot region only below {@link
     * StageLadder#ALL_REGIONS_FROM_WEIGHT}, in every listed region from there on. A weight of 1 is a promotion.
     */
    public RolloutState shift(RolloutRequest plan, String stageName) {
        Stage stage = plan.stage(stageName).orElseThrow(() -> new IllegalArgumentException("stage \"" + stageName
                + "\" is not in the plan; stages are " + plan.stages().stream().map(Stage::name).toList()));
        if (stage.isFull()) {
            return promote(plan);
        }
        RolloutState current = owned(plan);
        if (current.status() != RolloutStatus.ACTIVE) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is " + current.status()
                    + "; it cannot shift to stage " + stageName);
        }
        Map<String, Double> regionWeights = regionWeights(plan.regions(), stage.weight());
        for (Map.Entry<String, Double> region : regionWeights.entrySet()) {
            ensureAlias(region.getKey(), current, current.controlVersion(), canaryWeights(current, region.getValue()));
        }
        if (current.stage().equals(stageName) && sameWeight(current.weight(), stage.weight())) {
            return current;
        }
        return transition(current.withStage(stageName, stage.weight(), regionWeights), Type.WEIGHT_SET,
                "stage " + stageName + " at weight " + stage.weight());
    }

    /** Points the alias at the canary in every region and clears routing, then purges the stale control cache. */
    public RolloutState promote(RolloutRequest plan) {
        RolloutState current = owned(plan);
        if (current.status() == RolloutStatus.ROLLED_BACK || current.status() == RolloutStatus.RELEASED) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " is " + current.status()
                    + "; it cannot be promoted");
        }
        for (String region : plan.regions()) {
            ensureAlias(region, current, current.canaryVersion(), Map.of());
        }
        purger.purge(plan.cachePrefixes().control());
        if (current.status() == RolloutStatus.PROMOTED) {
            return current;
        }
        Map<String, Double> full = regionWeights(plan.regions(), 1.0);
        return transition(current.withStage("full", 1.0, full).withStatus(RolloutStatus.PROMOTED, current.epoch()),
                Type.PROMOTED, "alias points at version " + current.canaryVersion());
    }

    /**
     * Canary weight 0 in every region, epoch + 1 (voids every canary assignment), canary cache prefix purged, ledger
     * entry with {@code reason}. When this rollout never took the lock, the canary's weight is still cleared from any
     * alias that carries it, unless another rollout holds the lock (then nothing is touched). A released rollout is
     * left alone: the alias may already belong to the next one.
     */
    public RolloutState rollback(RolloutRequest plan, String reason) {
        String fn = plan.target().functionName();
        String alias = plan.target().alias();
        Optional<RolloutState> found = store.read(fn, alias);
        if (found.isEmpty() || !found.get().rolloutId().equals(plan.rolloutId())) {
            if (found.isEmpty() || !found.get().status().holdsLock()) {
                clearStrayCanaryWeight(plan);
            }
            return found.filter(s -> s.rolloutId().equals(plan.rolloutId())).orElse(notStarted(plan));
        }
        RolloutState current = found.get();
        if (current.status() == RolloutStatus.RELEASED) {
            return current;
        }
        // A region that cannot be reset must not stop the others, nor keep routers sending keys to the canary.
        Map<String, RuntimeException> failed = new LinkedHashMap<>();
        for (String region : plan.regions()) {
            try {
                ensureAlias(region, current, current.controlVersion(), Map.of());
            } catch (RuntimeException e) {
                failed.put(region, e);
            }
        }
        RolloutState next = current;
        if (current.status() == RolloutStatus.ACTIVE || current.status() == RolloutStatus.PROMOTED) {
            next = transition(current.withStage(current.stage(), 0.0, regionWeights(plan.regions(), 0.0))
                            .withStatus(RolloutStatus.ROLLED_BACK, current.epoch() + 1),
                    Type.ROLLED_BACK, reason == null || reason.isBlank() ? "no reason given" : reason);
        }
        purger.purge(current.canaryCachePrefix());
        if (!failed.isEmpty()) {
            IllegalStateException error = new IllegalStateException("rollback of " + plan.rolloutId()
                    + " is recorded (epoch " + next.epoch() + ", routers send every key to the control) but the alias"
                    + " could not be reset in " + failed.keySet() + ": " + failed.values().iterator().next().getMessage()
                    + "; run rollback again");
            failed.values().forEach(error::addSuppressed);
            throw error;
        }
        return next;
    }

    /**
     * The cleanup for a rollout machine execution that was stopped, timed out or failed: rolls its rollout back, unless
     * the rollout is owned by another execution ({@code executionArn} only joined it, so its end must not undo the
     * owner's rollout). When no owner is recorded, or the event names no execution, it rolls back: leaving canary
     * weight up is the worse mistake.
     */
    public RolloutState cleanUpAfterStoppedExecution(RolloutRequest plan, String executionArn, String reason) {
        Optional<RolloutState> found = store.read(plan.target().functionName(), plan.target().alias());
        if (found.isPresent() && found.get().rolloutId().equals(plan.rolloutId())
                && found.get().ownedByAnotherExecutionThan(executionArn)) {
            return found.get();
        }
        return rollback(plan, reason);
    }

    /** Frees the alias lock. Releasing twice is a no-op; releasing another rollout's lock is refused. */
    public RolloutState release(RolloutRequest plan) {
        RolloutState current = owned(plan);
        if (current.status() == RolloutStatus.RELEASED) {
            return current;
        }
        if (current.status() == RolloutStatus.ACTIVE && current.weight() > 0) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " still routes " + current.weight()
                    + " to the canary; promote or roll back before releasing");
        }
        return transition(current.withStatus(RolloutStatus.RELEASED, current.epoch()), Type.RELEASED,
                "lock released after " + current.status());
    }

    /** Appends a verdict, approval or other note to the rollout's ledger; see {@link LedgerNotes#record}. */
    public RolloutState record(RolloutRequest plan, Type type, String reason, JsonNode detail) {
        return new LedgerNotes(store, ledger, clock).record(plan, type, reason, detail);
    }

    private RolloutState transition(RolloutState next, Type type, String reason) {
        long sequence = next.ledgerSequence() + 1;
        ledger.append(new LedgerEntry(next.rolloutId(), sequence, clock.instant(), type, next.stage(), next.weight(),
                next.epoch(), reason, null));
        return store.update(next.withLedgerSequence(sequence));
    }

    private RolloutState owned(RolloutRequest plan) {
        return owned(store, plan);
    }

    /** The state item of the plan's alias, refusing when another rollout holds it. */
    static RolloutState owned(RolloutStore store, RolloutRequest plan) {
        String fn = plan.target().functionName();
        String alias = plan.target().alias();
        RolloutState state = store.read(fn, alias).orElseThrow(() -> new IllegalStateException(
                "no rollout on " + fn + ":" + alias + "; run the start action for " + plan.rolloutId() + " first"));
        if (!state.rolloutId().equals(plan.rolloutId())) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " does not hold " + fn + ":" + alias
                    + "; its state belongs to rollout " + state.rolloutId() + " (" + state.status() + ")");
        }
        return state;
    }

    private void clearStrayCanaryWeight(RolloutRequest plan) {
        String canary = plan.target().canaryVersion();
        for (String region : plan.regions()) {
            AliasState current = aliases.read(region, plan.target().functionName(), plan.target().alias());
            if (current.weightOf(canary) > 0) {
                setAndVerify(region, plan.target().functionName(), plan.target().alias(), current.functionVersion(),
                        Map.of());
            }
        }
    }

    private static RolloutState notStarted(RolloutRequest plan) {
        return new RolloutState(plan.rolloutId(), plan.target().functionName(), plan.target().alias(), null,
                plan.target().canaryVersion(), RolloutState.START_STAGE, 0.0, 0, RolloutStatus.RELEASED,
                regionWeights(plan.regions(), 0.0), plan.trustedTenants(), plan.sticky().keyAttribute(),
                plan.sticky().source(), plan.sticky().hours(), plan.cachePrefixes().canary(), 0, 0, null);
    }

    static Map<String, Double> regionWeights(List<String> regions, double weight) {
        Map<String, Double> out = new LinkedHashMap<>();
        boolean everywhere = weight >= StageLadder.ALL_REGIONS_FROM_WEIGHT;
        for (int i = 0; i < regions.size(); i++) {
            out.put(regions.get(i), i == 0 || everywhere ? weight : 0.0);
        }
        return out;
    }

    private static Map<String, Double> canaryWeights(RolloutState state, double weight) {
        return weight > 0 ? Map.of(state.canaryVersion(), weight) : Map.of();
    }

    private void ensureAlias(String region, RolloutState state, String functionVersion, Map<String, Double> weights) {
        setAndVerify(region, state.functionName(), state.alias(), functionVersion, weights);
    }

    /**
     * UpdateAlias with the RevisionId read just before; a stale revision is re-read and retried once; throttling backs
     * off; afterwards the alias is read back and must show exactly what was set.
     */
    private void setAndVerify(String region, String fn, String alias, String functionVersion, Map<String, Double> weights) {
        AliasState current = withThrottleRetry(() -> aliases.read(region, fn, alias));
        if (matches(current, functionVersion, weights)) {
            return;
        }
        try {
            AliasState read = current;
            withThrottleRetry(() -> aliases.update(region, fn, alias, functionVersion, weights, read.revisionId()));
        } catch (AliasControl.StaleRevisionException first) {
            AliasState reread = withThrottleRetry(() -> aliases.read(region, fn, alias));
            if (!matches(reread, functionVersion, weights)) {
                try {
                    withThrottleRetry(() -> aliases.update(region, fn, alias, functionVersion, weights, reread.revisionId()));
                } catch (AliasControl.StaleRevisionException second) {
                    throw new AliasControl.StaleRevisionException("alias " + fn + ":" + alias + " in " + region
                            + " changed again while it was being set to " + describe(functionVersion, weights)
                            + " (RevisionId stale twice); another process is changing it: stop it and retry");
                }
            }
        }
        AliasState after = withThrottleRetry(() -> aliases.read(region, fn, alias));
        if (!matches(after, functionVersion, weights)) {
            throw new IllegalStateException("alias " + fn + ":" + alias + " in " + region + " was set to "
                    + describe(functionVersion, weights) + " but reads back as "
                    + describe(after.functionVersion(), after.additionalVersionWeights()));
        }
    }

    private <T> T withThrottleRetry(Supplier<T> call) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (AliasControl.ThrottledException e) {
                if (attempt == THROTTLE_ATTEMPTS) {
                    throw new AliasControl.ThrottledException("Lambda control plane still throttling after "
                            + THROTTLE_ATTEMPTS + " attempts (about 15 alias calls per second per account): "
                            + e.getMessage());
                }
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while backing off from throttling", interrupted);
                }
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    private static boolean matches(AliasState state, String functionVersion, Map<String, Double> weights) {
        if (!state.functionVersion().equals(functionVersion)) {
            return false;
        }
        Map<String, Double> actual = new LinkedHashMap<>(state.additionalVersionWeights());
        actual.values().removeIf(w -> w <= WEIGHT_TOLERANCE);
        if (actual.size() != weights.size()) {
            return false;
        }
        return weights.entrySet().stream().allMatch(e -> actual.containsKey(e.getKey())
                && sameWeight(actual.get(e.getKey()), e.getValue()));
    }

    private static boolean sameWeight(double a, double b) {
        return Math.abs(a - b) <= WEIGHT_TOLERANCE;
    }

    private static String describe(String functionVersion, Map<String, Double> weights) {
        return "version " + functionVersion + (weights.isEmpty() ? " with no routing" : " + " + weights);
    }
}
