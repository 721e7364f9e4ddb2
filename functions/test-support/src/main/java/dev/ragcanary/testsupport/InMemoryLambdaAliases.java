package dev.ragcanary.testsupport;

import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.FunctionVersions;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lambda aliases and published versions held in memory, per region, with Lambda's RevisionId check: a stand-in for
 * the Lambda control plane in handler tests and local rehearsals.
 *
 * <pre>{@code
 * InMemoryLambdaAliases lambda = new InMemoryLambdaAliases()
 *         .publish("us-east-1", "rag-answer", "41", "42")
 *         .alias("us-east-1", "rag-answer", "live", "41");
 * }</pre>
 */
public final class InMemoryLambdaAliases implements AliasControl, FunctionVersions {
    private final Map<String, AliasState> aliases = new ConcurrentHashMap<>();
    /** The execution role every version published here runs with, unless {@link #configure} says otherwise. */
    public static final String ROLE = "arn:aws:iam::123456789012:role/rag-answer";
    private final Map<String, VersionConfiguration> versions = new ConcurrentHashMap<>();
    private final AtomicLong revisions = new AtomicLong();
    private final Set<String> denied = ConcurrentHashMap.newKeySet();

    /** Publishes versions of a function in a region, Active, with {@link #ROLE} and no dead-letter queue. */
    public InMemoryLambdaAliases publish(String region, String functionName, String... publishedVersions) {
        for (String version : publishedVersions) {
            configure(region, functionName, VersionConfiguration.ready(version, ROLE, null));
        }
        return this;
    }

    /** Sets what GetFunctionConfiguration answers for {@code configuration.version()} (e.g. a Pending version). */
    public InMemoryLambdaAliases configure(String region, String functionName, VersionConfiguration configuration) {
        versions.put(region + "/" + functionName + ":" + configuration.version(), configuration);
        return this;
    }

    /** Creates (or resets) an alias pointing at {@code version} with no routing. */
    public InMemoryLambdaAliases alias(String region, String functionName, String alias, String version) {
        aliases.put(key(region, functionName, alias), new AliasState(version, Map.of(), nextRevision()));
        return this;
    }

    /** From now on, UpdateAlias in {@code region} is denied (the caller's role lacks the permission there). */
    public InMemoryLambdaAliases denyUpdates(String region) {
        denied.add(region);
        return this;
    }

    @Override
    public AliasState read(String region, String functionName, String alias) {
        AliasState state = aliases.get(key(region, functionName, alias));
        if (state == null) {
            throw new IllegalStateException("alias " + functionName + ":" + alias + " in " + region + " not found");
        }
        return state;
    }

    @Override
    public synchronized AliasState update(String region, String functionName, String alias, String functionVersion,
                                          Map<String, Double> additionalVersionWeights, String expectedRevisionId) {
        if (denied.contains(region)) {
            throw new IllegalStateException("AccessDeniedException: not authorized to perform lambda:UpdateAlias on "
                    + functionName + ":" + alias + " in " + region);
        }
        AliasState current = read(region, functionName, alias);
        if (!current.revisionId().equals(expectedRevisionId)) {
            throw new StaleRevisionException("alias " + functionName + ":" + alias + " in " + region
                    + " has revision " + current.revisionId() + ", not " + expectedRevisionId);
        }
        Set<String> named = new HashSet<>(additionalVersionWeights.keySet());
        named.add(functionVersion);
        for (String version : named) {
            if (configuration(region, functionName, version).isEmpty()) {
                throw new IllegalStateException("version " + version + " of " + functionName + " not found in " + region);
            }
        }
        AliasState next = new AliasState(functionVersion, additionalVersionWeights, nextRevision());
        aliases.put(key(region, functionName, alias), next);
        return next;
    }

    @Override
    public Optional<VersionConfiguration> configuration(String region, String functionName, String version) {
        return Optional.ofNullable(versions.get(region + "/" + functionName + ":" + version));
    }

    private String nextRevision() {
        return "rev-" + revisions.incrementAndGet();
    }

    private static String key(String region, String functionName, String alias) {
        return region + "/" + functionName + ":" + alias;
    }
}
