package dev.ragcanary.core.ports;

import dev.ragcanary.core.gate.LiveMetrics;
import dev.ragcanary.core.rag.IndexFingerprint;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Live traffic per variant for a stage's window, from the router's telemetry. An empty window yields zero counts
 * (which the gate treats as "not enough samples", never as a pass). Warm latency comes as raw samples (what the
 * statistical judge needs): every warm sample up to a cap, beyond it a uniform sample or evenly spaced order statistics.
 */
public interface MetricsSource {

    LiveMetrics fetch(Query query);

    /**
     * Per variant ("control", "canary"), per region, the index fingerprint its responses reported in the window (the
     * most frequent one when several appear). Empty when the source cannot tell, which the gate treats as missing.
     */
    default Map<String, Map<String, IndexFingerprint>> fingerprints(Query query) {
        return Map.of();
    }

    /** The metrics backend asked us to slow down (too many concurrent queries); safe to retry with backoff. */
    class ThrottledException extends TransientFailureException {
        public ThrottledException(String message) {
            super(message);
        }
    }

    /** @param regions regions whose traffic counts (pilot only before stage ten) */
    record Query(String functionName, String alias, String controlVersion, String canaryVersion,
                 List<String> regions, Instant start, Instant end) {
    }
}
