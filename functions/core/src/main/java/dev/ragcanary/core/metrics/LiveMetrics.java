package dev.ragcanary.core.metrics;

import dev.ragcanary.core.stats.Percentiles;
import java.util.List;
import java.util.Map;

/**
 * Live traffic measured during a stage, per variant, from the router's telemetry.
 *
 * @param cachePrefixCollisions cache invalidations in which a control and a canary key collided
 */
public record LiveMetrics(VariantMetrics control, VariantMetrics canary, long cachePrefixCollisions) {

    /**
     * @param requests       routed user requests (warm-up pings excluded)
     * @param errors         requests that failed
     * @param failureClasses normalized error signatures (e.g. {@code 5xx:UpstreamTimeout}) with their counts
     * @param warmLatencyMs  raw warm latency samples, when the source provides them
     * @param p95WarmMs      p95 warm latency, when only the statistic is available
     * @param warmSamples    how many warm requests {@code p95WarmMs} summarises
     */
    public record VariantMetrics(
            long requests,
            long errors,
            Map<String, Long> failureClasses,
            List<Double> warmLatencyMs,
            Double p95WarmMs,
            Long warmSamples,
            long cacheHits,
            long cacheMisses) {

        public VariantMetrics {
            failureClasses = failureClasses == null ? Map.of() : Map.copyOf(failureClasses);
            warmLatencyMs = warmLatencyMs == null ? null : List.copyOf(warmLatencyMs);
        }

        public long warmCount() {
            if (warmLatencyMs != null) {
                return warmLatencyMs.size();
            }
            return warmSamples == null ? 0 : warmSamples;
        }

        public double p95Warm() {
            if (warmLatencyMs != null && !warmLatencyMs.isEmpty()) {
                return Percentiles.of(warmLatencyMs, 0.95);
            }
            return p95WarmMs == null ? Double.NaN : p95WarmMs;
        }

        public double errorRate() {
            return requests == 0 ? Double.NaN : (double) errors / requests;
        }

        public long cacheLookups() {
            return cacheHits + cacheMisses;
        }

        public double cacheHitRatio() {
            return cacheLookups() == 0 ? Double.NaN : (double) cacheHits / cacheLookups();
        }
    }
}
