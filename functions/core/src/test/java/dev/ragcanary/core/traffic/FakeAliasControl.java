package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.AliasControl;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A Lambda alias per region with RevisionId semantics; failures can be queued for the next update calls. */
final class FakeAliasControl implements AliasControl {
    private final Map<String, AliasState> aliases = new HashMap<>();
    private int revisions;
    final List<String> updates = new ArrayList<>();
    /** Thrown by the next update calls, in order, before anything changes. */
    final Deque<RuntimeException> updateFailures = new ArrayDeque<>();
    /** Runs before each update: lets a test change the alias "concurrently". */
    Runnable beforeUpdate = () -> { };
    /** When set, updates report success but leave the alias unchanged (a set that did not take). */
    boolean ignoreUpdates;

    FakeAliasControl alias(String region, String version, Map<String, Double> weights) {
        aliases.put(region, new AliasState(version, weights, "rev-" + (++revisions)));
        return this;
    }

    AliasState in(String region) {
        return aliases.get(region);
    }

    @Override
    public synchronized AliasState read(String region, String functionName, String alias) {
        AliasState state = aliases.get(region);
        if (state == null) {
            throw new IllegalStateException("alias " + functionName + ":" + alias + " not found in " + region);
        }
        return state;
    }

    @Override
    public synchronized AliasState update(String region, String functionName, String alias, String functionVersion,
                                          Map<String, Double> weights, String expectedRevisionId) {
        beforeUpdate.run();
        if (!updateFailures.isEmpty()) {
            throw updateFailures.poll();
        }
        AliasState current = read(region, functionName, alias);
        if (!current.revisionId().equals(expectedRevisionId)) {
            throw new StaleRevisionException("revision " + expectedRevisionId + " is stale");
        }
        updates.add(region + " " + functionVersion + " " + weights);
        if (ignoreUpdates) {
            return current;
        }
        alias(region, functionVersion, weights);
        return aliases.get(region);
    }
}
