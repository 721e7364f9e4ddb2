package dev.ragcanary.core.ports;

import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.LiveMetrics;
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

    /**
     * The window's live metrics and index fingerprints, read by {@code deadline}; what has not finished by then is
     * abandoned and named in the reading instead, so the gate can bake again rather than run out of time.
     */
    Reading read(Query query, Instant deadline);

    /**
     * @param live         per variant, summed over the query's regions; null when unfinished
     * @param fingerprints per variant ("control", "canary"), per region, the index fingerprint its responses reported
     *                     in the window (the most frequent one when several appear); empty when the source cannot tell,
     *                     which the gate treats as missing
     * @param unfinished   what did not finish by the deadline, e.g. "latency histogram in eu-west-1 (Running)"
     * @param egress       webhook and partner emissions per variant; null when the source does not read them
     */
    record Reading(LiveMetrics live, Map<String, Map<String, IndexFingerprint>> fingerprints, List<String> unfinished,
                   EgressMetrics egress) {

        public static Reading complete(LiveMetrics live, Map<String, Map<String, IndexFingerprint>> fingerprints,
                                       EgressMetrics egress) {
            return new Reading(live, fingerprints, List.of(), egress);
        }

        public static Reading unfinished(List<String> unfinished) {
            return new Reading(null, Map.of(), List.copyOf(unfinished), null);
        }

        public boolean isComplete() {
            return unfinished.isEmpty();
        }
    }

    /**
     * @param controlVersions region -> the control version there, for every region of {@code regions}: Lambda numbers
     *                        versions per region, and each region's telemetry names the version that served it there
     * @param canaryVersions  region -> the canary version there, for every region of {@code regions}
     * @param regions         regions whose traffic counts (pilot only before stage ten)
     * @param shadowStage     the look is at the shadow stage, where no user reaches the canary: read only what the
     *                        shadow rules judge (the control's emissions on mirrored requests matched against the
     *                        canary sink, partner posts per dedupe key); no live metrics, no fingerprints
     */
    record Query(String functionName, String alias, Map<String, String> controlVersions,
                 Map<String, String> canaryVersions, List<String> regions, Instant start, Instant end,
                 boolean shadowStage) {
        public Query {
            controlVersions = Map.copyOf(controlVersions);
            canaryVersions = Map.copyOf(canaryVersions);
            regions = List.copyOf(regions);
            for (String region : regions) {
                if (!controlVersions.containsKey(region) || !canaryVersions.containsKey(region)) {
                    throw new IllegalArgumentException("no control or canary version for region " + region
                            + " (control versions " + controlVersions + ", canary versions " + canaryVersions + ")");
                }
            }
        }

        public String controlVersionIn(String region) {
            return controlVersions.get(region);
        }

        public String canaryVersionIn(String region) {
            return canaryVersions.get(region);
        }
    }
}
