package dev.ragcanary.core.ports;

import dev.ragcanary.core.gate.LiveMetrics;
import java.time.Instant;
import java.util.List;

/**
 * Live traffic per variant for a stage's window, from the router's telemetry. An empty window yields zero counts
 * (which the gate treats as "not enough samples", never as a pass).
 */
public interface MetricsSource {

    LiveMetrics fetch(Query query);

    /** @param regions regions whose traffic counts (pilot only before stage ten) */
    record Query(String functionName, String alias, String controlVersion, String canaryVersion,
                 List<String> regions, Instant start, Instant end) {
    }
}
