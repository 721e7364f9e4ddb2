package dev.ragcanary.core.probe;

/**
 * What one seed of one (question, paraphrase) produced, as far as λ cares.
 *
 * @param failed     error, timeout or schema violation
 * @param topSection section id of the best retrieved snippet, or null when nothing was retrieved
 * @param deltaS     ΔS of the call (meaningless when failed)
 */
public record SeedOutcome(boolean failed, String topSection, double deltaS) {

    public static SeedOutcome failure() {
        return new SeedOutcome(true, null, Double.NaN);
    }

    public static SeedOutcome of(String topSection, double deltaS) {
        return new SeedOutcome(false, topSection, deltaS);
    }
}
