package dev.ragcanary.cli.simulation;

import java.util.List;

/**
 * One known truth about the canary, relative to the control.
 *
 * @param latencyFactor every canary latency is the control's distribution scaled by this (so p95 and median move alike)
 * @param errorFactor   canary error rate = control error rate × this
 * @param newClassRate  extra failures per request of a class the control never has
 * @param regression    true when the right decision is ROLLBACK, false when it is PROMOTE (identical, or inside the limits)
 */
public record Scenario(String name, double latencyFactor, double errorFactor, double newClassRate, boolean regression) {
    public static final Scenario AA = new Scenario("A/A (identical)", 1.0, 1.0, 0.0, false);
    public static final Scenario P95_PLUS_50 = new Scenario("p95 +50%", 1.50, 1.0, 0.0, true);
    public static final Scenario ERRORS_X2 = new Scenario("errors x2", 1.0, 2.0, 0.0, true);

    /** Every truth, at every stage. */
    public static final List<Scenario> STANDARD = List.of(
            AA,
            new Scenario("p95 +10% (inside)", 1.10, 1.0, 0.0, false),
            new Scenario("errors +10% (inside)", 1.0, 1.1, 0.0, false),
            new Scenario("p95 +25%", 1.25, 1.0, 0.0, true),
            P95_PLUS_50,
            new Scenario("errors +20%", 1.0, 1.2, 0.0, true),
            new Scenario("errors +50%", 1.0, 1.5, 0.0, true),
            ERRORS_X2,
            new Scenario("new failure class 0.2%", 1.0, 1.0, 0.002, true));
}
