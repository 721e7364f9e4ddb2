package dev.ragcanary.local.faults;

import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.FunctionVersions;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Lambda control plane of one function in every region, in memory: GetAlias, UpdateAlias with RevisionId, and
 * GetFunctionConfiguration, each a fault-matrix call point. Failures look as {@code LambdaAliasControl} reports them:
 * throttling as a {@link AliasControl.ThrottledException}, a denial as the SDK's error.
 */
final class FaultyControlPlane implements AliasControl, FunctionVersions {
    static final String GET_ALIAS = "Lambda.GetAlias";
    static final String UPDATE_ALIAS = "Lambda.UpdateAlias";
    static final String GET_FUNCTION_CONFIGURATION = "Lambda.GetFunctionConfiguration";

    private final FaultInjector faults;
    private final Map<String, AliasState> aliases = new TreeMap<>();
    private int revisions;

    /** Every region's alias starts on {@code controlVersion} with no routing; both versions are published. */
    FaultyControlPlane(FaultInjector faults, Iterable<String> regions, String controlVersion) {
        this.faults = faults;
        regions.forEach(region -> aliases.put(region, new AliasState(controlVersion, Map.of(), nextRevision())));
    }

    @Override
    public AliasState read(String region, String functionName, String alias) {
        FaultInjector.Point point = faults.before(GET_ALIAS, kind -> failure(kind, GET_ALIAS));
        AliasState state;
        synchronized (this) {
            state = aliases.get(region);
        }
        faults.after(point, kind -> failure(kind, GET_ALIAS));
        return state;
    }

    @Override
    public AliasState update(String region, String functionName, String alias, String functionVersion,
                             Map<String, Double> weights, String expectedRevisionId) {
        FaultInjector.Point point = faults.before(UPDATE_ALIAS, kind -> failure(kind, UPDATE_ALIAS));
        AliasState next;
        synchronized (this) {
            if (!aliases.get(region).revisionId().equals(expectedRevisionId)) {
                throw new StaleRevisionException("The Revision Id provided does not match the latest Revision Id of"
                        + " alias " + alias + " in " + region);
            }
            next = new AliasState(functionVersion, weights, nextRevision());
            aliases.put(region, next);
        }
        faults.after(point, kind -> failure(kind, UPDATE_ALIAS));
        return next;
    }

    /** Every version asked for is published and ready, with one execution role. */
    @Override
    public Optional<VersionConfiguration> configuration(String region, String functionName, String version) {
        FaultInjector.Point point = faults.before(GET_FUNCTION_CONFIGURATION,
                kind -> failure(kind, GET_FUNCTION_CONFIGURATION));
        faults.after(point, kind -> failure(kind, GET_FUNCTION_CONFIGURATION));
        return Optional.of(VersionConfiguration.ready(version, "arn:aws:iam::123456789012:role/rag-answer", null));
    }

    /** The alias in every region now, read without passing a call point. */
    synchronized Map<String, AliasState> aliases() {
        return Map.copyOf(aliases);
    }

    private static RuntimeException failure(FaultKind kind, String call) {
        return kind == FaultKind.TRANSIENT
                ? new ThrottledException("Rate exceeded for " + call + " (injected)")
                : AwsFailures.of(kind, "Lambda", "TooManyRequestsException", call);
    }

    private String nextRevision() {
        return "rev-" + (++revisions);
    }
}
