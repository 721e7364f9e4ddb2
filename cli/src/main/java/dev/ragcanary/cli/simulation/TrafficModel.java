package dev.ragcanary.cli.simulation;

/**
 * Synthetic traffic for the decision simulation: log-normal warm latency, independent errors of one class.
 *
 * @param windowRequests    all requests (both variants) during one fixed bake window, the CodeDeploy-style baseline's
 *                          window (30 minutes at about 555 requests/s by default)
 * @param looksPerWindow    the statistical gate bakes window / this between looks (so with the default four looks it
 *                          can use no more traffic than the baseline's single window)
 * @param medianMs          control median warm latency
 * @param sigma             log-normal shape: p95 ≈ median × e^(1.645 σ)
 * @param errorRate         control error rate
 * @param warmFraction      share of requests that are warm (cold starts and pings carry no latency sample)
 * @param controlSampleCap  most control latency samples the metrics source returns (a uniform sample beyond that)
 */
public record TrafficModel(long windowRequests, int looksPerWindow, double medianMs, double sigma, double errorRate,
                           double warmFraction, int controlSampleCap) {

    public static final TrafficModel DEFAULT = new TrafficModel(1_000_000, 4, 400, 0.5, 0.01, 0.97, 10_000);
}
