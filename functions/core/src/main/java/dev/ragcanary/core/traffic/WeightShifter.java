package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.FunctionVersions;
import dev.ragcanary.core.ports.Ledger;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.core.traffic.RolloutCommits.Change;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Moves a rollout through its lifecycle on the Lambda alias: start, shift, promote, rollback, release.
 *
 * <p>Safety rules (docs/design.md "Safety invariants"):
 * <ul>
 *   <li>Fencing. A raise (shift, promote) writes the alias, then commits the state conditionally on what it read; if
 *       the rollout was rolled back or its epoch moved meanwhile, it puts the canary weight back to 0 and fails. A
 *       rollback commits the state first, then lowers the alias, so whichever of the two writes the alias last, the
 *       alias ends at weight 0. A raise that finds a stale RevisionId gives up instead of writing again; a lowering
 *       re-reads and writes again.</li>
 *   <li>A promotion is never rolled back by this class (a revert is an operator's explicit act).</li>
 *   <li>Every end releases the lock once the alias is verified in every region; when it cannot be verified the
 *       lock is kept and the ledger says so ({@link Type#INCOMPLETE}), for {@code ./canary release}.</li>
 *   <li>Edges are regions too. Every committed shift, promotion, rollback, revert and release is published to the
 *       plan's edge config stores and read back ({@link EdgePublishing}); a raise whose edges do not carry it fails
 *       (the rollout does not advance), a rollback or revert whose edges do not read back weight 0 keeps the lock.
 *       A raise that finds a rollback committed after its own commit publishes the rollback again, so the lowering
 *       is the last document written.</li>
 *   <li>Every change is committed with its ledger entry and client token ({@link RolloutCommits}): retried requests
 *       change nothing, concurrent writers lose no entry.</li>
 *   <li>Transient failures (throttling, 5xx, timeouts) are not retried here: the caller's retry owner (the state
 *       machine's Retry, Lambda's async retries) runs the whole idempotent action again, visibly.</li>
 * </ul>
 */
public final class WeightShifter {
    /**
     * The late-raise window of the deployed weight shifter: its 30 s function timeout and a 15 s margin. The stack sets
     * the function's {@code LATE_RAISE_WINDOW_SECONDS} from its timeout (and checks this value against it).
     */
    public static final Duration LATE_RAISE_WINDOW = Duration.ofSeconds(45);
    private static final double WEIGHT_TOLERANCE = 1e-9;
    /** How long one page of a revert's purge may run before the next starts. */
    private static final Duration PURGE_PAGE = Duration.ofSeconds(20);
    /** Writes of a lowering tried before giving up when other writers keep changing the alias. */
    private static final int LOWERING_ATTEMPTS = 3;

    private final AliasControl aliases;
    private final VersionPreflight preflight;
    private final FunctionVersions versions;
    private final RolloutStore store;
    private final CachePurger purger;
    private final Clock clock;
    private final RolloutCommits commits;
    private final LedgerNotes notes;
    private final Duration lateRaiseWindow;
    private final EdgePublishing edges;

    /**
     * @param lateRaiseWindow how long after a rollback a shift or promotion that read the rollout ACTIVE before it may
     *                        still be running (the weight shifter function's timeout, with a margin): the lock is
     *                        released only after it, so no such late raise can outlive the release unfenced
     */
    public WeightShifter(AliasControl aliases, FunctionVersions versions, RolloutStore store, Ledger ledger,
                         CachePurger purger, EdgeConfigPublisher edges, Clock clock, Duration lateRaiseWindow) {
        this.aliases = aliases;
        this.edges = new EdgePublishing(edges, clock);
        this.preflight = new VersionPreflight(aliases, versions);
        this.versions = versions;
        this.store = store;
        this.purger = purger;
        this.clock = clock;
        this.lateRaiseWindow = lateRaiseWindow;
        this.commits = new RolloutCommits(store, ledger, clock);
        this.notes = new LedgerNotes(store, ledger, clock);
    }

    /**
     * With no late-raise window: for runs in which no invocation is killed between its alias write and its fence (in
     * process, where a late raise always runs its fence to the end).
     */
    public WeightShifter(AliasControl aliases, FunctionVersions versions, RolloutStore store, Ledger ledger,
                         CachePurger purger, Clock clock) {
        this(aliases, versions, store, ledger, purger, EdgeConfigPublisher.NONE, clock, Duration.ZERO);
    }

    /** With no edge publisher: a plan that names edges fails at its first publish, naming the edge. */
    public WeightShifter(AliasControl aliases, FunctionVersions versions, RolloutStore store, Ledger ledger,
                         CachePurger purger, Clock clock, Duration lateRaiseWindow) {
        this(aliases, versions, store, ledger, purger, EdgeConfigPublisher.NONE, clock, lateRaiseWindow);
    }

    /**
     * Takes the alias lock for {@code executionArn} (the rollout machine execution that will drive the alias; recorded
     * as the owner) and records the alias's current version in each region as that region's control. Refuses, before
     * anything changes, when the alias or the versions in any listed region fail the {@link VersionPreflight} (naming
     * every problem in a {@link PreflightFailedException}). Starting the same
     * rollout id again while it holds the lock changes nothing and returns the held state with its owner: a caller that
     * is not the owner joins the rollout (waits for the owner's outcome) instead of driving the alias a second time.
     */
    public RolloutState start(RolloutRequest plan, String executionArn, Step step) {
        String fn = plan.target().functionName();
        String alias = plan.target().alias();
        Optional<RolloutState> existing = commits.read(plan);
        if (existing.isPresent() && existing.get().status().holdsLock()) {
            RolloutState held = existing.get();
            if (!held.rolloutId().equals(plan.rolloutId())) {
                throw new RolloutStore.RolloutLockedException(fn, alias, held.rolloutId(), held.status());
            }
            commits.copyLastEntry(held);
            return held;
        }
        if (existing.isPresent() && existing.get().rolloutId().equals(plan.rolloutId())) {
            throw new IllegalStateException("rollout " + plan.rolloutId() + " already finished on " + fn + ":" + alias
                    + "; start a new rollout with another rolloutId");
        }
        Map<String, String> controlVersions = preflight.controlVersions(plan);
        // The previous rollout's newest entry may still ride only in the item this start replaces.
        existing.ifPresent(commits::copyLastEntry);
        RolloutState initial = RolloutState.initial(plan, controlVersions, executionArn, step, clock.instant());
        RolloutState stored = existing.isPresent() ? store.acquireReplacing(initial, existing.get())
                : store.acquire(initial);
        commits.copyLastEntry(stored);
        return stored;
    }

    /**
     * Sets the canary weight of {@code stageName}: in the pilot region only below {@link
     * StageLadder#ALL_REGIONS_FROM_WEIGHT}, in every listed region from there on. A weight of 1 is a promotion.
     *
     * @throws RolloutFencedException when the rollout is not ACTIVE, is driven by another execution, or was rolled
     *                                back while the alias was being set (the canary weight is then back at 0)
     */
    public RolloutState shift(RolloutRequest plan, String stageName, String executionArn, Step step) {
        Stage stage = plan.stage(stageName).orElseThrow(() -> new IllegalArgumentException("stage \"" + stageName
                + "\" is not in the plan; stages are " + plan.stages().stream().map(Stage::name).toList()));
        if (stage.isFull()) {
            return promote(plan, executionArn, step);
        }
        RolloutState before = driving(plan, executionArn, "shift to stage " + stageName);
        Map<String, Double> regionWeights = regionWeights(plan.regions(), stage.weight());
        return raiseFenced(plan, before, step, () -> regionWeights.forEach((region, weight) ->
                        raise(region, before, before.controlVersionIn(region), canaryWeights(before, region, weight))),
                current -> current.stage().equals(stageName) && sameWeight(current.weight(), stage.weight())
                        ? Optional.empty()
                        : Optional.of(new Change(current.withStage(stageName, stage.weight(), regionWeights),
                        Type.WEIGHT_SET, "stage " + stageName + " at weight " + stage.weight(), null)));
    }

    /**
     * Points the alias at the canary in every region and clears routing, then commits PROMOTED. The control's cache,
     * stale now, is purged afterwards in its own bounded steps ({@link #purgeStaleCache}), so a large cache can never
     * fail a promotion that passed every gate.
     */
    public RolloutState promote(RolloutRequest plan, String executionArn, Step step) {
        RolloutState found = commits.owned(plan);
        if (found.status() == RolloutStatus.PROMOTED) {
            // A retry whose first attempt committed may have lost its reply before the ledger copy, or failed to
            // update an edge.
            commits.copyLastEntry(found);
            requireEdgesCarry(plan, found);
            return found;
        }
        RolloutState before = driving(plan, executionArn, "promotion");
        Map<String, Double> full = regionWeights(plan.regions(), 1.0);
        return raiseFenced(plan, before, step,
                () -> plan.regions().forEach(region -> raise(region, before, before.canaryVersionIn(region), Map.of())),
                current -> Optional.of(new Change(current.withStage(plan.promotionStage().name(), 1.0, full)
                        .withStatus(RolloutStatus.PROMOTED, current.epoch()), Type.PROMOTED,
                        "alias points at version " + current.canaryVersion(), null)));
    }

    /**
     * One bounded page of purging the cache the rollout's end made stale: the control's prefix after a promotion (the
     * canary now answers everyone), the canary's after a rollback (its answers must not be served again). Nothing is
     * stale while the rollout runs, or once it is released. Idempotent; the caller loops with {@code resumeAfter}
     * until the page is complete, and retries a failed page.
     *
     * @param prefix the prefix the first page named, for every later page (whatever the state becomes meanwhile, e.g.
     *               released by an operator); null for the first page, which reads it from the state
     */
    public StaleCachePurge purgeStaleCache(RolloutRequest plan, String prefix, String resumeAfter, Instant deadline) {
        String stale = prefix != null ? prefix : commits.read(plan)
                .filter(state -> state.rolloutId().equals(plan.rolloutId()))
                .map(state -> staleCachePrefix(plan, state)).orElse(null);
        return new StaleCachePurge(stale, stale == null ? new CachePurger.PurgePage(0, null)
                : purger.purge(stale, resumeAfter, deadline));
    }

    /**
     * Records that the stale cache was not purged (its retries ran out, or it took too many pages): the promotion or
     * rollback stands, and the ledger says what is left to delete.
     *
     * @param prefix the prefix the purge was deleting; null when it failed before its first page named one
     */
    public RolloutState recordUnfinishedPurge(RolloutRequest plan, String prefix, String why, Step step) {
        RolloutState found = commits.owned(plan);
        String stale = prefix != null ? prefix : staleCachePrefix(plan, found);
        String end = found.status() == RolloutStatus.PROMOTED ? "promoted" : "rolled back";
        return stale == null ? found : notes.record(plan, Type.INCOMPLETE, end + ", but the cache prefix " + stale
                + " could not be purged: " + why + "; delete its entries before they are served again", null, step);
    }

    /** @param prefix the stale cache prefix, null when nothing is stale */
    public record StaleCachePurge(String prefix, CachePurger.PurgePage page) {
    }

    private static String staleCachePrefix(RolloutRequest plan, RolloutState state) {
        return switch (state.status()) {
            case PROMOTED -> plan.cachePrefixes().control();
            case ROLLED_BACK -> state.canaryCachePrefix();
            default -> null;
        };
    }

    /**
     * Undoes a released promotion with one alias change per region: the alias goes back on the version the promotion
     * replaced, with no routing, and the epoch moves so sticky users move together. The rollout takes its lock back
     * for the change (status ROLLED_BACK, a {@link Type#REVERTED} entry), purges both of its cache prefixes (so no
     * answer cached since the promotion is served again) and releases the lock. Refused, with nothing changed, when
     * another rollout has taken the alias since, the rollout did not end promoted, the promotion is older than
     * {@code window}, the previous version is gone in a region, or a region's alias no longer serves the promoted
     * version alone. A retried revert (same {@code step}) finishes what the first one started.
     */
    public RolloutState revert(RolloutRequest plan, String reason, Duration window, Step step) {
        RolloutState found = commits.owned(plan);
        if (commits.entryOf(found, step).isEmpty()) {
            refuseRevertUnlessLive(plan, found, window);
        }
        RolloutState reverted = undoPromotion(plan, RolloutStatus.RELEASED, reason, step);
        if (reverted.status() == RolloutStatus.RELEASED) {
            return reverted;
        }
        for (String prefix : List.of(reverted.canaryCachePrefix(), plan.cachePrefixes().control())) {
            purgeAll(plan, prefix, step.then("purge " + prefix));
        }
        return release(plan, "reverted", step.then("release"));
    }

    /**
     * Reverts a promotion whose bake found a failing rule, while the execution that promoted still holds the lock: the
     * same single alias change per region as {@link #revert}, from PROMOTED. The state machine then purges the
     * promoted version's cache and releases the lock after the late-raise window. A retry (same {@code step})
     * finishes what the first attempt started.
     */
    public RolloutState revertPromotion(RolloutRequest plan, String executionArn, String reason, Step step) {
        RolloutState found = commits.owned(plan);
        if ((found.status() != RolloutStatus.PROMOTED || found.ownedByAnotherExecutionThan(executionArn))
                && commits.entryOf(found, step).isEmpty()) {
            throw new RevertRefusedException("rollout " + plan.rolloutId() + " is " + found.status() + (found
                    .ownedByAnotherExecutionThan(executionArn) ? " and driven by " + found.ownerExecutionArn() : "")
                    + "; only the execution that promoted it reverts it while it holds the lock");
        }
        return undoPromotion(plan, RolloutStatus.PROMOTED, reason, step);
    }

    /**
     * Commits REVERTED from {@code from} (status ROLLED_BACK, epoch + 1, weight 0), then points every region's alias
     * back at the version the promotion replaced. A region that cannot be set keeps the lock, flagged.
     */
    private RolloutState undoPromotion(RolloutRequest plan, RolloutStatus from, String reason, Step step) {
        RolloutState reverted = commits.commit(plan, step, state -> { }, state -> state.status() == from
                ? Optional.of(new Change(state.withStage("reverted", 0.0, regionWeights(plan.regions(), 0.0))
                        .withStatus(RolloutStatus.ROLLED_BACK, state.epoch() + 1), Type.REVERTED,
                        "alias back on version " + state.controlVersion() + " (was " + state.canaryVersion() + "): "
                                + reason, null))
                : Optional.empty());
        if (reverted.status() != RolloutStatus.ROLLED_BACK) {
            return reverted;
        }
        Map<String, RuntimeException> failed = inEveryRegion(plan, region -> lower(region, reverted.functionName(),
                reverted.alias(), reverted.controlVersionIn(region), Map.of()));
        failed.putAll(edges.publish(plan, reverted));
        if (!failed.isEmpty()) {
            throw new LockKeptException(recordLockKept(plan, "the revert could not set the alias in "
                    + failed.keySet() + ": " + failed.values().iterator().next().getMessage() + "; run the revert again",
                    step.then("note")));
        }
        return reverted;
    }

    /** A RELEASED state at weight 1 was released after its promotion: a rollback or revert leaves weight 0. */
    private void refuseRevertUnlessLive(RolloutRequest plan, RolloutState found, Duration window) {
        if (found.status() != RolloutStatus.RELEASED || found.weight() < 1.0) {
            throw new RevertRefusedException("rollout " + plan.rolloutId() + " is " + found.status()
                    + (found.status() == RolloutStatus.RELEASED ? " after a rollback" : "")
                    + "; only a promoted rollout whose lock was released can be reverted");
        }
        Instant promotedAt = commits.lastTransitionAt(found, Type.PROMOTED);
        if (clock.instant().isBefore(promotedAt.plus(lateRaiseWindow))) {
            // A promotion whose reply was lost may still be writing the alias; the release after a revert does not
            // wait for it, so the revert waits instead.
            throw new RevertRefusedException("rollout " + plan.rolloutId() + " was promoted less than "
                    + lateRaiseWindow.toSeconds() + " s ago; run the revert again from " + promotedAt.plus(lateRaiseWindow)
                    + " on, when no promotion that may have lost its reply can still be running");
        }
        if (clock.instant().isAfter(promotedAt.plus(window))) {
            throw new RevertRefusedException("rollout " + plan.rolloutId() + " was promoted at " + promotedAt
                    + ", more than " + window.toHours() + " h ago (the revert window); roll out version "
                    + found.controlVersion() + " as a new canary instead");
        }
        List<String> problems = plan.regions().stream().flatMap(region -> {
            String previous = found.controlVersionIn(region);
            if (versions.configuration(region, found.functionName(), previous).isEmpty()) {
                return Stream.of(region + ": version " + previous + " no longer exists");
            }
            String promoted = found.canaryVersionIn(region);
            AliasState alias = aliases.read(region, found.functionName(), found.alias());
            return matches(alias, promoted, Map.of()) ? Stream.<String>empty()
                    : Stream.of(region + ": the alias routes " + describe(alias.functionVersion(),
                    alias.additionalVersionWeights()) + ", not the promoted version " + promoted + " alone");
        }).toList();
        if (!problems.isEmpty()) {
            throw new RevertRefusedException("rollout " + plan.rolloutId() + " cannot be reverted: "
                    + String.join("; ", problems));
        }
    }

    /** A revert is an operator's command with no deadline: the purge runs page after page to the end. */
    private void purgeAll(RolloutRequest plan, String prefix, Step step) {
        try {
            String resumeAfter = null;
            do {
                resumeAfter = purger.purge(prefix, resumeAfter, clock.instant().plus(PURGE_PAGE)).resumeAfter();
            } while (resumeAfter != null);
        } catch (RuntimeException failed) {
            notes.record(plan, Type.INCOMPLETE, "reverted, but the cache prefix " + prefix + " could not be purged: "
                    + failed.getMessage() + "; delete its entries before they are served again", null, step);
        }
    }

    /** Refused before anything changed, with why. */
    public static final class RevertRefusedException extends RuntimeException {
        public RevertRefusedException(String message) {
            super(message);
        }
    }

    /**
     * Canary weight 0 in every region, epoch + 1 (voids every canary assignment), ledger entry with {@code reason}; the
     * canary's cache is purged afterwards ({@link #purgeStaleCache}). The state is committed first: a shift still in
     * flight then finds it and takes its weight back. When this rollout never took the lock, the canary's weight is still cleared from any alias that
     * carries it, unless another rollout holds the lock (then nothing is touched). A promoted or released rollout is
     * left alone: a promotion is undone only by an explicit revert, and a released alias may belong to the next rollout.
     */
    public RolloutState rollback(RolloutRequest plan, String reason, Step step) {
        Optional<RolloutState> found = commits.read(plan);
        if (found.isEmpty() || !found.get().rolloutId().equals(plan.rolloutId())) {
            if (found.isEmpty() || !found.get().status().holdsLock()) {
                clearStrayCanaryWeight(plan);
            }
            return notStarted(plan);
        }
        RolloutState current = commits.commit(plan, step, state -> { }, state -> state.status() == RolloutStatus.ACTIVE
                ? Optional.of(new Change(state.withStage(state.stage(), 0.0, regionWeights(plan.regions(), 0.0))
                        .withStatus(RolloutStatus.ROLLED_BACK, state.epoch() + 1), Type.ROLLED_BACK,
                        reason == null || reason.isBlank() ? "no reason given" : reason, null))
                : Optional.empty());
        if (current.status() != RolloutStatus.ROLLED_BACK) {
            return current;
        }
        RolloutState rolledBack = current;
        Map<String, RuntimeException> failed = inEveryRegion(plan, region -> lower(region, rolledBack.functionName(),
                rolledBack.alias(), rolledBack.controlVersionIn(region), Map.of()));
        failed.putAll(edges.publish(plan, rolledBack));
        if (!failed.isEmpty()) {
            String where = failed.keySet() + ": " + failed.values().iterator().next().getMessage();
            IllegalStateException error = new IllegalStateException("rollback of " + plan.rolloutId()
                    + " is recorded (epoch " + current.epoch() + ", routers send every key to the control) but the"
                    + " alias could not be reset in " + where + "; run rollback again");
            failed.values().forEach(error::addSuppressed);
            try {
                recordLockKept(plan, "the alias could not be reset in " + where + "; the rollback is retried, or fix"
                        + " the alias", step);
            } catch (RuntimeException noteFailed) {
                error.addSuppressed(noteFailed);
            }
            throw error;
        }
        return current;
    }

    /**
     * The cleanup for a rollout machine execution that was stopped, timed out or failed. An execution that only joined
     * the rollout ({@code executionArn} is not its owner) leaves it alone. A promoted rollout stays promoted: the
     * ledger records that archive and release did not finish, and the lock is released. Anything else is rolled back,
     * then released. When no owner is recorded, or the event names no execution, it acts: leaving canary weight up is
     * the worse mistake. Before the release, the stale cache gets one page of purging, bounded by {@code purgeDeadline};
     * what it leaves is recorded in the ledger and told to {@code unfinishedPurge} (the alarm's metric).
     */
    public RolloutState cleanUpAfterStoppedExecution(RolloutRequest plan, String executionArn, String reason, Step step,
                                                     Instant purgeDeadline, Runnable unfinishedPurge) {
        Optional<RolloutState> found = commits.read(plan);
        boolean ours = found.isPresent() && found.get().rolloutId().equals(plan.rolloutId());
        if (ours && found.get().ownedByAnotherExecutionThan(executionArn)) {
            return found.get();
        }
        if (ours && found.get().status() == RolloutStatus.PROMOTED) {
            notes.record(plan, Type.INCOMPLETE, reason + " after the promotion; the promotion stands, the execution"
                    + " did not finish archiving and releasing", null, step.then("note"));
            purgeOnePage(plan, purgeDeadline, step.then("purge"), unfinishedPurge);
            return release(plan, reason, step.then("release"));
        }
        RolloutState rolledBack = rollback(plan, reason, step.then("rollback"));
        if (rolledBack.status() != RolloutStatus.ROLLED_BACK || !ours) {
            return rolledBack;
        }
        purgeOnePage(plan, purgeDeadline, step.then("purge"), unfinishedPurge);
        return release(plan, reason, step.then("release"));
    }

    /** A cleanup has no loop to resume a purge in: one page, and a ledger note when that does not finish it. */
    private void purgeOnePage(RolloutRequest plan, Instant deadline, Step step, Runnable unfinishedPurge) {
        String unfinished;
        try {
            StaleCachePurge purge = purgeStaleCache(plan, null, null, deadline);
            if (purge.page().complete()) {
                return;
            }
            unfinished = "the execution ended before the purge did (one page purged during its cleanup)";
        } catch (RuntimeException failed) {
            unfinished = failed.getMessage();
        }
        unfinishedPurge.run();
        recordUnfinishedPurge(plan, null, unfinished, step);
    }

    /**
     * The end of a rollout machine execution that SUCCEEDED: nothing is ever rolled back, but a lock it left held (its
     * release failed, e.g. denied, after the promotion) is released now, with a note saying the execution ended
     * without it. An execution that only joined, or a rollout that is still ACTIVE or already released, is left alone.
     */
    public RolloutState finishAfterSucceededExecution(RolloutRequest plan, String executionArn, String reason,
                                                      Step step) {
        Optional<RolloutState> found = commits.read(plan);
        if (found.isEmpty() || !found.get().rolloutId().equals(plan.rolloutId())
                || found.get().ownedByAnotherExecutionThan(executionArn)
                || found.get().status() == RolloutStatus.ACTIVE || found.get().status() == RolloutStatus.RELEASED) {
            return found.filter(s -> s.rolloutId().equals(plan.rolloutId())).orElse(notStarted(plan));
        }
        notes.record(plan, Type.INCOMPLETE, reason + " with the lock still held (" + found.get().status()
                + "); releasing it", null, step.then("note"));
        return release(plan, reason, step.then("release"));
    }

    /**
     * Frees the alias lock once every region's alias is verified: on the canary with no routing after a promotion,
     * with no canary weight otherwise. Releasing twice is a no-op; releasing another rollout's lock is refused, and so
     * is releasing an ACTIVE rollout whose canary has weight ({@link CanaryStillRoutedException}). When an alias does
     * not verify, the lock is kept, the ledger says so, and {@link LockKeptException} names the region.
     */
    public RolloutState release(RolloutRequest plan, String reason, Step step) {
        RolloutState current = commits.owned(plan);
        if (current.status() == RolloutStatus.RELEASED) {
            commits.copyLastEntry(current);
            return current;
        }
        if (current.status() == RolloutStatus.ACTIVE && current.weight() > 0) {
            throw new CanaryStillRoutedException("rollout " + plan.rolloutId() + " still routes " + current.weight()
                    + " to the canary; promote or roll back before releasing");
        }
        LedgerEntry rolledBack = current.status() == RolloutStatus.ROLLED_BACK ? commits.lastTransition(current) : null;
        // A revert (the other way to ROLLED_BACK) starts only after the late-raise window of the promotion it undoes.
        if (rolledBack != null && rolledBack.type() == Type.ROLLED_BACK) {
            awaitLateRaises(plan, rolledBack);
            // Takes back what a late raise left; a region that still refuses is named by the check below.
            inEveryRegion(plan, region -> takeCanaryOut(region, current));
        }
        List<String> unsettled = new ArrayList<>(unsettledRegions(plan, current));
        // Publishing the state again also takes back what a late raise left on an edge.
        edges.publish(plan, current).forEach((edge, why) -> unsettled.add(EdgePublishing.why(edge, why)));
        if (!unsettled.isEmpty()) {
            throw new LockKeptException(recordLockKept(plan, String.join("; ", unsettled) + "; once the alias is right",
                    step));
        }
        String because = "lock released after " + current.status()
                + (reason == null || reason.isBlank() ? "" : ": " + reason);
        RolloutState released = commits.commit(plan, step, state -> { }, state -> state.status() == RolloutStatus.RELEASED
                ? Optional.empty()
                : Optional.of(new Change(state.withStatus(RolloutStatus.RELEASED, state.epoch()), Type.RELEASED,
                because, null)));
        Map<String, RuntimeException> unpublished = edges.publish(plan, released);
        // RELEASED routes as the state every edge was just verified to carry (the alias alone): only a note.
        return unpublished.isEmpty() ? released : notes.record(plan, Type.INCOMPLETE, "released, but "
                + unpublished.keySet() + " still show " + current.status() + " (which routes the same): "
                + unpublished.values().iterator().next().getMessage(), null, step.then("edges"));
    }

    /** Fails, as {@link EdgePublishing#combined} says, unless every edge carries {@code state}. */
    private void requireEdgesCarry(RolloutRequest plan, RolloutState state) {
        Map<String, RuntimeException> unpublished = edges.publish(plan, state);
        if (!unpublished.isEmpty()) {
            throw EdgePublishing.combined("rollout " + plan.rolloutId() + " is at stage " + state.stage() + " ("
                    + state.status() + ") but not every edge carries it; it does not advance until they do",
                    unpublished);
        }
    }

    /** Appends a verdict, approval or other note to the rollout's ledger; see {@link LedgerNotes#record}. */
    public RolloutState record(RolloutRequest plan, Type type, String reason, JsonNode detail, Step step) {
        return notes.record(plan, type, reason, detail, step);
    }

    /**
     * Refuses (as a transient failure, for the retry owner to try again later) until the late-raise window after the
     * rollback has passed: a shift or promotion that read the rollout ACTIVE could still write the alias until then,
     * and if it were killed before its fence, only the release's own look at the alias would catch that write.
     */
    private void awaitLateRaises(RolloutRequest plan, LedgerEntry rolledBack) {
        Instant safe = rolledBack.at().plus(lateRaiseWindow);
        if (clock.instant().isBefore(safe)) {
            throw new LateRaiseWindowException("rollout " + plan.rolloutId() + " was rolled back less than "
                    + lateRaiseWindow.toSeconds() + " s ago; its lock is released from " + safe + " on, when no shift"
                    + " that read it ACTIVE can still be running");
        }
    }

    /**
     * Applies {@code change} to every region's alias; a region that fails does not stop the others (a lowering left
     * undone in one region must not leave the canary's weight up in the next).
     *
     * @return the regions that failed, with why
     */
    private static Map<String, RuntimeException> inEveryRegion(RolloutRequest plan, Consumer<String> change) {
        Map<String, RuntimeException> failed = new LinkedHashMap<>();
        for (String region : plan.regions()) {
            try {
                change.accept(region);
            } catch (RuntimeException e) {
                failed.put(region, e);
            }
        }
        return failed;
    }

    /** Records that the lock stays held, and why, in the words {@link RolloutState#lockKept()} recognises. */
    private String recordLockKept(RolloutRequest plan, String why, Step step) {
        String reason = LockKeptException.REASON_PREFIX + why + ", free it with ./canary release " + plan.rolloutId()
                + " --reason TEXT";
        notes.record(plan, Type.INCOMPLETE, reason, null, step.then("lock-kept"));
        return reason;
    }

    /** Regions whose alias is not where the rollout's status says it must be, each with what it routes. */
    private List<String> unsettledRegions(RolloutRequest plan, RolloutState state) {
        boolean promoted = state.status() == RolloutStatus.PROMOTED;
        return plan.regions().stream().flatMap(region -> {
            AliasState alias = aliases.read(region, state.functionName(), state.alias());
            String canary = state.canaryVersionIn(region);
            boolean settled = promoted
                    ? matches(alias, canary, Map.of())
                    : !alias.functionVersion().equals(canary) && alias.weightOf(canary) == 0;
            return settled ? Stream.<String>empty() : Stream.of(region + " routes "
                    + describe(alias.functionVersion(), alias.additionalVersionWeights()));
        }).toList();
    }

    /**
     * Runs the alias raises, then commits {@code decide} on the fresh state; if the rollout stopped being ACTIVE or
     * its epoch moved at any point, the canary weight is put back to 0 and the raise fails as fenced.
     */
    private RolloutState raiseFenced(RolloutRequest plan, RolloutState before, Step step, Runnable raises,
                                     Function<RolloutState, Optional<Change>> decide) {
        try {
            raises.run();
            RolloutState committed = commits.commit(plan, step, current -> {
                if (!stillDriving(current, before)) {
                    throw new RolloutFencedException(fencedMessage(plan, before, current));
                }
            }, decide);
            requireEdgesCarry(plan, committed);
            // A rollback committed since published before this raise's document may have landed: it goes again.
            Optional<RolloutState> after = commits.read(plan);
            if (after.isEmpty() || !after.get().rolloutId().equals(before.rolloutId())
                    || after.get().epoch() != before.epoch()) {
                throw new RolloutFencedException(fencedMessage(plan, before, after.orElse(null)));
            }
            return committed;
        } catch (RuntimeException failed) {
            // Whatever failed (a raise, the commit, a fence, the item now held by another rollout), a raise the
            // rollout no longer backs goes; unless this very commit took effect and only its reply was lost.
            Optional<RolloutState> now = commits.read(plan);
            if (now.isPresent() && (stillDriving(now.get(), before) || committedBy(now.get(), step))) {
                throw failed;
            }
            throw fenced(plan, before, now.orElse(null), failed);
        }
    }

    private static boolean committedBy(RolloutState current, Step step) {
        return current.lastEntry() != null && step.token().equals(current.lastEntry().token());
    }

    private static boolean stillDriving(RolloutState current, RolloutState before) {
        return current.rolloutId().equals(before.rolloutId()) && current.status() == RolloutStatus.ACTIVE
                && current.epoch() == before.epoch();
    }

    private RolloutFencedException fenced(RolloutRequest plan, RolloutState before, RolloutState now, RuntimeException cause) {
        RolloutFencedException fenced = new RolloutFencedException(fencedMessage(plan, before, now)
                + "; its canary weight is back at 0");
        fenced.addSuppressed(cause);
        inEveryRegion(plan, region -> takeCanaryOut(region, before)).values().forEach(fenced::addSuppressed);
        if (now != null && now.rolloutId().equals(before.rolloutId())) {
            edges.publish(plan, now).values().forEach(fenced::addSuppressed);
        }
        return fenced;
    }

    private static String fencedMessage(RolloutRequest plan, RolloutState before, RolloutState now) {
        return "rollout " + plan.rolloutId() + " changed while its alias was being raised (epoch " + before.epoch()
                + " ACTIVE, now " + (now == null ? "no state" : now.rolloutId().equals(before.rolloutId())
                ? "epoch " + now.epoch() + " " + now.status() : "held by rollout " + now.rolloutId()) + ")";
    }

    /** Takes the rollout's canary out of the region's alias, leaving whatever else the alias routes. */
    private void takeCanaryOut(String region, RolloutState state) {
        AliasState alias = aliases.read(region, state.functionName(), state.alias());
        String canary = state.canaryVersionIn(region);
        if (alias.functionVersion().equals(canary)) {
            lower(region, state.functionName(), state.alias(), state.controlVersionIn(region), Map.of());
        } else if (alias.weightOf(canary) > 0) {
            Map<String, Double> others = new LinkedHashMap<>(alias.additionalVersionWeights());
            others.remove(canary);
            lower(region, state.functionName(), state.alias(), alias.functionVersion(), others);
        }
    }

    /** The plan's state if this execution may raise its weight: owned by it (or no owner recorded) and ACTIVE. */
    private RolloutState driving(RolloutRequest plan, String executionArn, String what) {
        RolloutState current = commits.owned(plan);
        if (current.status() != RolloutStatus.ACTIVE) {
            throw new RolloutFencedException("rollout " + plan.rolloutId() + " is " + current.status() + " (epoch "
                    + current.epoch() + "); refusing the " + what);
        }
        if (current.ownedByAnotherExecutionThan(executionArn)) {
            throw new RolloutFencedException("rollout " + plan.rolloutId() + " is driven by execution "
                    + current.ownerExecutionArn() + ", not " + executionArn + "; refusing the " + what);
        }
        return current;
    }

    private void clearStrayCanaryWeight(RolloutRequest plan) {
        for (String region : plan.regions()) {
            AliasState current = aliases.read(region, plan.target().functionName(), plan.target().alias());
            if (current.weightOf(plan.target().canaryVersionIn(region)) > 0) {
                lower(region, plan.target().functionName(), plan.target().alias(), current.functionVersion(), Map.of());
            }
        }
    }

    private static RolloutState notStarted(RolloutRequest plan) {
        return new RolloutState(plan.rolloutId(), plan.target().functionName(), plan.target().alias(), null,
                plan.target().canaryVersion(), RolloutState.START_STAGE, 0.0, 0, RolloutStatus.RELEASED,
                regionWeights(plan.regions(), 0.0), plan.trustedTenants(), plan.sticky().keyAttribute(),
                plan.sticky().source(), plan.sticky().hours(), plan.cachePrefixes().canary(), 0, 0, null, null, Map.of(),
                Map.of());
    }

    static Map<String, Double> regionWeights(List<String> regions, double weight) {
        Map<String, Double> out = new LinkedHashMap<>();
        boolean everywhere = weight >= StageLadder.ALL_REGIONS_FROM_WEIGHT;
        for (int i = 0; i < regions.size(); i++) {
            out.put(regions.get(i), i == 0 || everywhere ? weight : 0.0);
        }
        return out;
    }

    private static Map<String, Double> canaryWeights(RolloutState state, String region, double weight) {
        return weight > 0 ? Map.of(state.canaryVersionIn(region), weight) : Map.of();
    }

    /**
     * Sets an alias toward the canary with the RevisionId read just before. A stale RevisionId means another writer
     * changed the alias since: unless it already shows exactly this target, the raise gives up rather than overwrite
     * what may be a rollback's lowering.
     */
    private void raise(String region, RolloutState state, String functionVersion, Map<String, Double> weights) {
        String fn = state.functionName();
        String alias = state.alias();
        AliasState current = aliases.read(region, fn, alias);
        if (matches(current, functionVersion, weights)) {
            return;
        }
        try {
            aliases.update(region, fn, alias, functionVersion, weights, current.revisionId());
        } catch (AliasControl.StaleRevisionException stale) {
            AliasState now = aliases.read(region, fn, alias);
            if (!matches(now, functionVersion, weights)) {
                throw new AliasControl.StaleRevisionException("alias " + fn + ":" + alias + " in " + region
                        + " changed while it was being raised to " + describe(functionVersion, weights) + " (now "
                        + describe(now.functionVersion(), now.additionalVersionWeights()) + "); a raise is never"
                        + " written over another writer's change");
            }
        }
        verify(region, fn, alias, functionVersion, weights);
    }

    /** Sets an alias away from the canary; a stale RevisionId is re-read and written again: a lowering always wins. */
    private void lower(String region, String fn, String alias, String functionVersion, Map<String, Double> weights) {
        for (int attempt = 1; ; attempt++) {
            AliasState current = aliases.read(region, fn, alias);
            if (matches(current, functionVersion, weights)) {
                break;
            }
            try {
                aliases.update(region, fn, alias, functionVersion, weights, current.revisionId());
                break;
            } catch (AliasControl.StaleRevisionException stale) {
                if (attempt == LOWERING_ATTEMPTS) {
                    throw new AliasControl.StaleRevisionException("alias " + fn + ":" + alias + " in " + region
                            + " changed " + LOWERING_ATTEMPTS + " times while it was being set to "
                            + describe(functionVersion, weights) + "; another process keeps changing it: stop it and"
                            + " retry");
                }
            }
        }
        verify(region, fn, alias, functionVersion, weights);
    }

    private void verify(String region, String fn, String alias, String functionVersion, Map<String, Double> weights) {
        AliasState after = aliases.read(region, fn, alias);
        if (!matches(after, functionVersion, weights)) {
            throw new IllegalStateException("alias " + fn + ":" + alias + " in " + region + " was set to "
                    + describe(functionVersion, weights) + " but reads back as "
                    + describe(after.functionVersion(), after.additionalVersionWeights()));
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
