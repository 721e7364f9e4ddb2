package dev.ragcanary.core.metrics;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Webhook and partner emissions during a stage, per variant, from the {@code egress} records the router copies into its
 * telemetry lines and, for shadow emissions, from the canary sink (docs/metrics.md, "Egress").
 *
 * @param partnerDuplicates dedupe keys a partner received more than once in the window (each extra post counts once):
 *                          the rollout must never cause one
 * @param shadow            shadow emissions matched against the control's for the same mirrored requests; null when
 *                          the source did not match them
 */
public record EgressMetrics(VariantEgress control, VariantEgress canary, long partnerDuplicates, ShadowMatch shadow) {

    /** Whether any emission was recorded at all: a function without webhooks has nothing for the egress rules. */
    public boolean anyEmission() {
        return control != null && control.recorded() > 0 || canary != null && canary.recorded() > 0
                || shadow != null && (shadow.controlEmissions() > 0 || shadow.shadowEmissions() > 0);
    }

    /**
     * One variant's live (not shadow) emissions. Emissions that were suppressed (the dedupe key was already owned, so
     * nothing was sent) are counted apart and count nowhere else.
     *
     * @param emissions  emissions that were sent (to a partner or the sink)
     * @param successes  of those, accepted (2xx, or written to the sink)
     * @param tries      HTTP attempts made -> emissions that made that many (the retries histogram)
     * @param ageMs      age samples (request start to acceptance) of the accepted emissions
     * @param suppressed emissions not sent because their key was already owned or posted
     */
    public record VariantEgress(long emissions, long successes, Map<Integer, Long> tries, List<Double> ageMs,
                                long suppressed) {
        /** A variant that recorded no emission. */
        public static final VariantEgress NONE = new VariantEgress(0, 0, Map.of(), List.of(), 0);

        public VariantEgress {
            tries = tries == null ? Map.of() : Map.copyOf(new TreeMap<>(tries));
            ageMs = ageMs == null ? List.of() : List.copyOf(ageMs);
        }

        /** Every emission recorded, sent or suppressed. */
        public long recorded() {
            return emissions + suppressed;
        }

        public double successRate() {
            return emissions == 0 ? Double.NaN : (double) successes / emissions;
        }

        /** Emissions that made more than {@code retries} retries (tries above {@code retries + 1}). */
        public long retriedMoreThan(int retries) {
            return tries.entrySet().stream().filter(e -> e.getKey() - 1 > retries).mapToLong(Map.Entry::getValue).sum();
        }

        /** The most retries any emission made. */
        public int maxRetries() {
            return tries.entrySet().stream().filter(e -> e.getValue() > 0).mapToInt(e -> e.getKey() - 1).max().orElse(0);
        }

        public double retriesPerEmission() {
            long sent = tries.values().stream().mapToLong(Long::longValue).sum();
            long retries = tries.entrySet().stream().mapToLong(e -> Math.max(0, e.getKey() - 1) * e.getValue()).sum();
            return sent == 0 ? Double.NaN : (double) retries / sent;
        }

        /** Emissions in the tries histogram (the retry rule's denominator). */
        public long triedEmissions() {
            return tries.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Shadow emissions (the canary's, on mirrored requests, written to the sink) against the control's emissions on the
     * same requests, matched by dedupe key (the same event gives the same key on both variants).
     *
     * @param controlEmissions control emissions on mirrored requests old enough for their shadow to have landed
     * @param shadowEmissions  shadow emissions in the sink whose control request lies in the window
     * @param matched          control emissions with a shadow emission of the same key
     * @param missing          control emissions with none ({@code controlEmissions - matched})
     * @param extra            shadow emissions whose key no control emission on a mirrored request has
     */
    public record ShadowMatch(long controlEmissions, long shadowEmissions, long matched, long missing, long extra) {
    }
}
