package dev.ragcanary.core.rollout;

import dev.ragcanary.core.rag.IndexFingerprint;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated start input with defaults filled in: the rollout plan. Produced only by {@link RolloutRequestParser}.
 *
 * @param rolloutId              stable id; retrying a start with the same id joins the running rollout
 * @param regions                pilot region first; the others join at stage ten
 * @param approvals              stage names that wait for a person before they are entered
 * @param approvalTimeoutSeconds how long a held stage waits for a person before it rolls back
 * @param calibration            the calibration's key in the evidence bucket (a file path locally), or null: the quality
 *                               rules then use the playbook's limits alone
 */
public record RolloutRequest(
        String rolloutId,
        Target target,
        Sticky sticky,
        List<String> trustedTenants,
        IndexFingerprint expectedIndex,
        CachePrefixes cachePrefixes,
        String probeSet,
        List<String> regions,
        List<Stage> stages,
        Thresholds thresholds,
        List<String> approvals,
        long approvalTimeoutSeconds,
        String calibration) {

    /**
     * The function whose alias is shifted; the control version is read from the alias in each region at start.
     *
     * @param functionName   the bare function name, however the start input spelled it (name, partial or full ARN):
     *                       the one identity the lock, state, assignments, router and metrics use
     * @param account        the account an ARN (or {@code account}) named, or null: the stack's own account
     * @param canaryVersion  the canary version in every region {@code canaryVersions} does not name
     * @param canaryVersions region -> canary version where it differs (versions are numbered per region)
     */
    public record Target(String functionName, String account, String alias, String canaryVersion,
                         Map<String, String> canaryVersions) {
        public Target {
            canaryVersions = canaryVersions == null ? Map.of() : Map.copyOf(canaryVersions);
        }

        /** The canary version published in {@code region}. */
        public String canaryVersionIn(String region) {
            return canaryVersions.getOrDefault(region, canaryVersion);
        }
    }

    /**
     * @param keyAttribute header name or JSON body field holding the sticky key (tenant or user id)
     * @param source       "header" or "body"
     * @param hours        how long a key stays on its variant; at least 24
     */
    public record Sticky(String keyAttribute, String source, long hours) {
    }

    public record CachePrefixes(String control, String canary) {
    }

    public Optional<Stage> stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The last stage, weight 1 (the validator insists): the promotion, whatever the plan calls it. */
    public Stage promotionStage() {
        return stages.get(stages.size() - 1);
    }

    public String pilotRegion() {
        return regions.get(0);
    }
}
