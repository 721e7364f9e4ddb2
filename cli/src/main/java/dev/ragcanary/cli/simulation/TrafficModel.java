package dev.ragcanary.cli.simulation;

/**
 * Synthetic traffic for the decision simulation.
 *
 * @param label             how the table names it
 * @param windowRequests    all requests (both variants) during one stage bake of 30 minutes, the fixed-window
 *                          baseline's window (1,000,000: about 555 requests/s)
 * @param shape             the warm-latency distribution
 * @param errorRate         control error rate (errors of one class, independent)
 * @param warmFraction      share of requests that are warm (cold starts and pings carry no latency sample)
 * @param sampleCap         most latency samples per variant the metrics source returns (evenly spaced order statistics
 *                          beyond that, as the Logs Insights source does)
 */
public record TrafficModel(String label, long windowRequests, LatencyShape shape, double errorRate, double warmFraction,
                           int sampleCap) {

    public static final TrafficModel DEFAULT = new TrafficModel("log-normal, 1% errors", 1_000_000, LatencyShape.LOG_NORMAL,
            0.01, 0.97, 10_000);

    public TrafficModel withShape(LatencyShape shape) {
        return new TrafficModel(shape.label(), windowRequests, shape, errorRate, warmFraction, sampleCap);
    }

    public TrafficModel withErrorRate(double rate) {
        return new TrafficModel(label.replace("1% errors", String.format(java.util.Locale.ROOT, "%s%% errors",
                rate * 100 >= 1 ? String.format(java.util.Locale.ROOT, "%.0f", rate * 100) : String.valueOf(rate * 100))),
                windowRequests, shape, rate, warmFraction, sampleCap);
    }

    public TrafficModel withWindow(String label, long requests) {
        return new TrafficModel(label, requests, shape, errorRate, warmFraction, sampleCap);
    }
}
