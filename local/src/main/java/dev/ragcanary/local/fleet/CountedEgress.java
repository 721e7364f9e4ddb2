package dev.ragcanary.local.fleet;

import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.ports.MetricsSource;
import java.time.Instant;

/**
 * What real requests emitted during a window, counted where it landed: the partner (posts per dedupe key) and the
 * canary sink (shadow emissions). The {@link SimulatedFleet} synthesizes the emission volume, but takes these two
 * figures from here, never from the scenario: the rehearsal's sticky users post through the egress library to a real
 * partner stub and a real sink.
 */
public interface CountedEgress {
    /** No real request ran (the scenario tests): no partner post, nothing mirrored to match. */
    CountedEgress NONE = new CountedEgress() {
        @Override
        public long partnerDuplicates(Instant from, Instant to) {
            return 0;
        }

        @Override
        public EgressMetrics.ShadowMatch shadowMatch(MetricsSource.Query query) {
            return null;
        }
    };

    /**
     * Extra posts the partner accepted for the dedupe keys that live requests in {@code [from, to)} posted: each key
     * accepted {@code n > 1} times counts {@code n - 1}.
     */
    long partnerDuplicates(Instant from, Instant to);

    /**
     * The control's emissions on requests mirrored in the query's window and regions against the shadow emissions the
     * canary version wrote to the sink there; null when no request was mirrored.
     */
    EgressMetrics.ShadowMatch shadowMatch(MetricsSource.Query query);
}
