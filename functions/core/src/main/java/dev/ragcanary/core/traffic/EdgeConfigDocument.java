package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ragcanary.core.rollout.EdgeTarget;
import java.time.Instant;
import java.util.List;

/**
 * What an edge router needs to split a (function, alias) the way {@link StickyRouter} does: contract A of
 * schemas/edge-config.schema.json. The weight shifter publishes one per state change; {@code revision} is the rollout
 * state's, so of two documents of one rollout the higher revision is the newer one, whatever order they arrive in.
 *
 * @param salt    the bucket salt: the rollout id, as the Lambda router uses
 * @param origins where the edge sends each variant; null when it forwards everything to one origin
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EdgeConfigDocument(
        int schemaVersion,
        String rolloutId,
        String functionName,
        String alias,
        String stage,
        double weight,
        long epoch,
        RolloutStatus status,
        String salt,
        String controlVersion,
        String canaryVersion,
        EdgeTarget.Origins origins,
        List<String> trustedTenants,
        long stickyHours,
        String publishedAt,
        long revision) {
    public static final int SCHEMA_VERSION = 1;
    private static final String KEY_PREFIX = "rag-canary/";

    public EdgeConfigDocument {
        trustedTenants = trustedTenants == null ? List.of() : List.copyOf(trustedTenants);
    }

    /** The document for {@code state} on {@code edge}, published at {@code now}. */
    public static EdgeConfigDocument of(RolloutState state, EdgeTarget edge, Instant now) {
        return new EdgeConfigDocument(SCHEMA_VERSION, state.rolloutId(), state.functionName(), state.alias(),
                state.stage(), state.weight(), state.epoch(), state.status(), state.rolloutId(), state.controlVersion(),
                state.canaryVersion(), edge.origins(), state.trustedTenants(), state.stickyHours(), now.toString(),
                state.revision());
    }

    /** The key the document is stored under: {@code rag-canary/<function>/<alias>}. */
    public static String key(String functionName, String alias) {
        return KEY_PREFIX + functionName + "/" + alias;
    }

    /** {@link #key} for stores whose keys allow only letters, digits, '_' and '-' (Edge Config, Config Store). */
    public static String underscoreKey(String functionName, String alias) {
        return key(functionName, alias).replace('/', '_');
    }

    @JsonIgnore
    public String key() {
        return key(functionName, alias);
    }

    /** A later state of the same rollout than {@code other}: publishing {@code other} over it would go back in time. */
    public boolean supersedes(EdgeConfigDocument other) {
        return rolloutId.equals(other.rolloutId) && revision > other.revision;
    }

    /**
     * Whether an edge holding this document routes as {@code published} says, or as a later state of the same rollout
     * does (a newer publish overtook it). The publication time is not compared: a retried publish of one state is the
     * same document.
     */
    public boolean carries(EdgeConfigDocument published) {
        return supersedes(published) || rolloutId.equals(published.rolloutId) && revision == published.revision
                && epoch == published.epoch && status == published.status && weight == published.weight
                && stage.equals(published.stage);
    }
}
