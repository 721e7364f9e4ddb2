package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.ragcanary.core.rollout.RolloutRequest;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one state item per (function, alias): what the weight shifter last made true and what every router reads.
 *
 * @param controlVersion    the version the alias pointed at in the pilot region when the rollout started
 * @param canaryVersion     the canary's version in the pilot region
 * @param weight            canary weight in the pilot region (and every region from stage ten)
 * @param epoch             bumped by a rollback; sticky assignments of an older epoch are void
 * @param regionWeights     canary weight per region
 * @param stickyKeyAttribute header name or body field holding the sticky key
 * @param stickySource      "header" or "body"
 * @param ledgerSequence    sequence number of the rollout's last ledger entry
 * @param revision          optimistic-concurrency counter, incremented by the store on every write
 * @param ownerExecutionArn the rollout machine execution that took the lock and drives the alias; another execution
 *                          started for the same rollout joins it instead. Null when the caller gave none (a state
 *                          written before owners were recorded, or a start outside Step Functions).
 * @param lastEntry         the ledger entry at {@code ledgerSequence}, committed with this state: the state item is
 *                          the commit point of every change, and the entry is copied to the ledger from here (see
 *                          {@link RolloutCommits}); null only for items written before entries rode along
 * @param controlVersions   region -> the version the alias pointed at there when the rollout started (Lambda numbers
 *                          versions per region); empty in items written before, where every region runs
 *                          {@code controlVersion}
 * @param canaryVersions    region -> the canary's version there; empty in items written before, where every region
 *                          runs {@code canaryVersion}
 */
public record RolloutState(
        String rolloutId,
        String functionName,
        String alias,
        String controlVersion,
        String canaryVersion,
        String stage,
        double weight,
        long epoch,
        RolloutStatus status,
        Map<String, Double> regionWeights,
        List<String> trustedTenants,
        String stickyKeyAttribute,
        String stickySource,
        long stickyHours,
        String canaryCachePrefix,
        long ledgerSequence,
        long revision,
        String ownerExecutionArn,
        LedgerEntry lastEntry,
        Map<String, String> controlVersions,
        Map<String, String> canaryVersions) {

    public static final String START_STAGE = "start";

    public RolloutState {
        regionWeights = Collections.unmodifiableMap(new LinkedHashMap<>(regionWeights));
        trustedTenants = List.copyOf(trustedTenants);
        controlVersions = byRegion(controlVersions);
        canaryVersions = byRegion(canaryVersions);
    }

    /**
     * The state a fresh rollout starts in: lock held by {@code ownerExecutionArn}, weight 0 everywhere, epoch 1, ledger
     * entry 1 (STARTED) written by {@code step} at {@code at}.
     *
     * @param controlVersions region -> the version the alias points at there, in the plan's region order
     */
    public static RolloutState initial(RolloutRequest plan, Map<String, String> controlVersions,
                                       String ownerExecutionArn, Step step, Instant at) {
        Map<String, Double> zero = new LinkedHashMap<>();
        Map<String, String> canaryVersions = new LinkedHashMap<>();
        plan.regions().forEach(r -> {
            zero.put(r, 0.0);
            canaryVersions.put(r, plan.target().canaryVersionIn(r));
        });
        String control = controlVersions.get(plan.pilotRegion());
        String canary = canaryVersions.get(plan.pilotRegion());
        boolean everywhereTheSame = Set.copyOf(controlVersions.values()).size() == 1
                && Set.copyOf(canaryVersions.values()).size() == 1;
        LedgerEntry started = new LedgerEntry(plan.rolloutId(), 1, at, LedgerEntry.Type.STARTED, START_STAGE, 0.0, 1,
                everywhereTheSame ? "control version " + control + ", canary version " + canary
                        : "control versions " + controlVersions + ", canary versions " + canaryVersions, null,
                step.token(), step.attempt());
        return new RolloutState(plan.rolloutId(), plan.target().functionName(), plan.target().alias(), control,
                canary, START_STAGE, 0.0, 1, RolloutStatus.ACTIVE, zero, plan.trustedTenants(),
                plan.sticky().keyAttribute(), plan.sticky().source(), plan.sticky().hours(),
                plan.cachePrefixes().canary(), 1, 0, ownerExecutionArn, started, controlVersions, canaryVersions);
    }

    /** {@link #initial(RolloutRequest, Map, String, Step, Instant)} with the alias on one version in every region. */
    public static RolloutState initial(RolloutRequest plan, String controlVersion, String ownerExecutionArn, Step step,
                                       Instant at) {
        Map<String, String> controlVersions = new LinkedHashMap<>();
        plan.regions().forEach(r -> controlVersions.put(r, controlVersion));
        return initial(plan, controlVersions, ownerExecutionArn, step, at);
    }

    private static Map<String, String> byRegion(Map<String, String> versions) {
        return versions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    }

    /** The version the alias pointed at in {@code region} when the rollout started. */
    public String controlVersionIn(String region) {
        return controlVersions.getOrDefault(region, controlVersion);
    }

    /** The canary's version in {@code region}. */
    public String canaryVersionIn(String region) {
        return canaryVersions.getOrDefault(region, canaryVersion);
    }

    public RolloutState withStage(String newStage, double newWeight, Map<String, Double> newRegionWeights) {
        return new RolloutState(rolloutId, functionName, alias, controlVersion, canaryVersion, newStage, newWeight, epoch,
                status, newRegionWeights, trustedTenants, stickyKeyAttribute, stickySource, stickyHours,
                canaryCachePrefix, ledgerSequence, revision, ownerExecutionArn, lastEntry, controlVersions,
                canaryVersions);
    }

    public RolloutState withStatus(RolloutStatus newStatus, long newEpoch) {
        return new RolloutState(rolloutId, functionName, alias, controlVersion, canaryVersion, stage, weight, newEpoch,
                newStatus, regionWeights, trustedTenants, stickyKeyAttribute, stickySource, stickyHours,
                canaryCachePrefix, ledgerSequence, revision, ownerExecutionArn, lastEntry, controlVersions,
                canaryVersions);
    }

    /** This state with {@code entry} as its last ledger entry (its sequence becomes the ledger sequence). */
    public RolloutState withLastEntry(LedgerEntry entry) {
        return new RolloutState(rolloutId, functionName, alias, controlVersion, canaryVersion, stage, weight, epoch,
                status, regionWeights, trustedTenants, stickyKeyAttribute, stickySource, stickyHours,
                canaryCachePrefix, entry.sequence(), revision, ownerExecutionArn, entry, controlVersions,
                canaryVersions);
    }

    public RolloutState withRevision(long newRevision) {
        return new RolloutState(rolloutId, functionName, alias, controlVersion, canaryVersion, stage, weight, epoch,
                status, regionWeights, trustedTenants, stickyKeyAttribute, stickySource, stickyHours,
                canaryCachePrefix, ledgerSequence, newRevision, ownerExecutionArn, lastEntry, controlVersions,
                canaryVersions);
    }

    /**
     * Whether {@code executionArn} is an execution other than the one that owns this rollout. False when either is
     * unknown: an execution that cannot be told apart from the owner is treated as the owner.
     */
    public boolean ownedByAnotherExecutionThan(String executionArn) {
        return ownerExecutionArn != null && executionArn != null && !ownerExecutionArn.equals(executionArn);
    }

    /**
     * Whether the rollout holds the lock only because its release could not verify an alias: the last entry says so
     * ({@link LockKeptException}), and {@code ./canary release} frees it once the alias is right.
     */
    @JsonIgnore
    public boolean lockKept() {
        return status.holdsLock() && lastEntry != null && lastEntry.type() == LedgerEntry.Type.INCOMPLETE
                && lastEntry.reason() != null && lastEntry.reason().startsWith(LockKeptException.REASON_PREFIX);
    }

    /** The version a variant runs in {@code region} (the pilot region's when null); ALIAS maps to the alias name. */
    public String qualifierOf(Variant variant, String region) {
        return switch (variant) {
            case CONTROL -> region == null ? controlVersion : controlVersionIn(region);
            case CANARY -> region == null ? canaryVersion : canaryVersionIn(region);
            case ALIAS -> alias;
        };
    }

    /** The weight shifter's handler output (PREAMBLE contract): the fields the state machines read. */
    @JsonIgnore
    public Map<String, Object> summary() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rolloutId", rolloutId);
        out.put("functionName", functionName);
        out.put("alias", alias);
        out.put("controlVersion", controlVersion);
        out.put("canaryVersion", canaryVersion);
        out.put("controlVersions", new LinkedHashMap<>(controlVersions));
        out.put("canaryVersions", new LinkedHashMap<>(canaryVersions));
        out.put("stage", stage);
        out.put("weight", weight);
        out.put("epoch", epoch);
        out.put("status", status.name());
        out.put("regionWeights", new LinkedHashMap<>(regionWeights));
        out.put("ownerExecutionArn", ownerExecutionArn);
        return out;
    }
}
