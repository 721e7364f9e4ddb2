package dev.ragcanary.cli.simulation;

import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One stage of one rollout on synthetic traffic, judged two ways on the same requests: the statistical gate (looks
 * after every window / looksPerWindow, stops at the first PROMOTE or ROLLBACK) and the fixed-window baseline (one look
 * after the whole window, point estimates).
 */
final class SimulatedRollout {
    static final String CONTROL_CLASS = "5xx:UpstreamTimeout";
    static final String NEW_CLASS = "5xx:RerankerOOM";

    /** Canary requests served when each arm decided, and whether it rolled back. */
    record Outcome(boolean oursRolledBack, long oursRequests, boolean fixedRolledBack, long fixedRequests) {
    }

    private final TrafficModel model;
    private final Thresholds thresholds;
    private final Stage stage;
    private final Scenario scenario;
    private final SplittableRandom rng;

    private double[] canaryLatency = new double[1024];
    private int canaryWarm;
    private long canaryRequests;
    private long canaryErrors;
    private long canaryNewClass;
    private long controlRequests;
    private long controlErrors;

    SimulatedRollout(TrafficModel model, Thresholds thresholds, Stage stage, Scenario scenario, long seed) {
        this.model = model;
        this.thresholds = thresholds;
        this.stage = stage;
        this.scenario = scenario;
        this.rng = new SplittableRandom(seed);
    }

    Outcome run() {
        double[] controlSample = new double[model.controlSampleCap()];
        for (int i = 0; i < controlSample.length; i++) {
            controlSample[i] = latency(1.0);
        }
        double[] sortedFullControl = controlSample.clone();
        Arrays.sort(sortedFullControl);
        long canaryWindow = Math.round(model.windowRequests() * stage.weight());
        long canaryPerLook = canaryWindow / model.looksPerWindow();
        GateEngine engine = GateEngine.liveTrafficOnly();
        Boolean oursRolledBack = null;
        long oursAt = 0;
        Boolean fixedRolledBack = null;
        long fixedAt = 0;
        for (int look = 0; oursRolledBack == null || fixedRolledBack == null; look++) {
            serve(canaryPerLook);
            if (oursRolledBack == null) {
                Verdict v = engine.evaluate(stage, thresholds, evidence(look, sortedControl(controlSample, sortedFullControl)));
                if (v.decision() != Decision.EXTEND) {
                    oursRolledBack = v.decision() != Decision.PROMOTE;
                    oursAt = canaryRequests;
                }
            }
            if (fixedRolledBack == null && look + 1 == model.looksPerWindow()) {
                fixedRolledBack = FixedWindowBaseline.rollsBack(thresholds, Arrays.copyOf(canaryLatency, canaryWarm),
                        sortedControl(controlSample, sortedFullControl),
                        canaryErrors, canaryRequests, controlErrors, controlRequests, canaryNewClass);
                fixedAt = canaryRequests;
            }
        }
        return new Outcome(oursRolledBack, oursAt, fixedRolledBack, fixedAt);
    }

    /** Serves {@code canary} more canary requests; canary latencies stay sorted (merged chunk by chunk) for cheap looks. */
    private void serve(long canary) {
        int sortedUpTo = canaryWarm;
        double errorRate = model.errorRate() * scenario.errorFactor();
        for (long i = 0; i < canary; i++) {
            double u = rng.nextDouble();
            if (u < errorRate) {
                canaryErrors++;
            } else if (u < errorRate + scenario.newClassRate()) {
                canaryErrors++;
                canaryNewClass++;
            }
            if (rng.nextDouble() < model.warmFraction()) {
                if (canaryWarm == canaryLatency.length) {
                    canaryLatency = Arrays.copyOf(canaryLatency, canaryWarm * 2);
                }
                canaryLatency[canaryWarm++] = latency(scenario.latencyFactor());
            }
        }
        Arrays.sort(canaryLatency, sortedUpTo, canaryWarm);
        mergeSorted(canaryLatency, sortedUpTo, canaryWarm);
        canaryRequests += canary;
        long control = Math.round(canary * (1 - stage.weight()) / stage.weight());
        controlRequests += control;
        controlErrors += binomial(control, model.errorRate());
    }

    private Evidence evidence(int extensions, double[] sortedControl) {
        Map<String, Long> canaryClasses = new HashMap<>();
        if (canaryErrors > canaryNewClass) {
            canaryClasses.put(CONTROL_CLASS, canaryErrors - canaryNewClass);
        }
        if (canaryNewClass > 0) {
            canaryClasses.put(NEW_CLASS, canaryNewClass);
        }
        LiveMetrics.VariantMetrics canary = new LiveMetrics.VariantMetrics(canaryRequests, canaryErrors, canaryClasses,
                boxed(canaryLatency, canaryWarm), null, null, 0, 0);
        LiveMetrics.VariantMetrics control = new LiveMetrics.VariantMetrics(controlRequests, controlErrors,
                controlErrors == 0 ? Map.of() : Map.of(CONTROL_CLASS, controlErrors),
                boxed(sortedControl, sortedControl.length), null, null, 0, 0);
        return new Evidence(null, stage.name(), stage.weight(), extensions, null, new LiveMetrics(control, canary, 0), null, null, thresholds,
                null, null);
    }

    /** The metrics source returns every control warm sample up to its cap, a uniform sample of them beyond it. */
    private int controlSampleSize(double[] controlSample) {
        return (int) Math.min(controlSample.length, Math.round(controlRequests * model.warmFraction()));
    }

    /** The control sample the metrics source would return now, sorted (a random prefix while the control is small). */
    private double[] sortedControl(double[] controlSample, double[] sortedFull) {
        int size = controlSampleSize(controlSample);
        if (size == controlSample.length) {
            return sortedFull;
        }
        double[] s = Arrays.copyOf(controlSample, size);
        Arrays.sort(s);
        return s;
    }

    /** Merges the sorted runs [0, mid) and [mid, end) of {@code values} in place. */
    private static void mergeSorted(double[] values, int mid, int end) {
        if (mid == 0 || mid == end || values[mid - 1] <= values[mid]) {
            return;
        }
        double[] left = Arrays.copyOf(values, mid);
        int i = 0;
        int j = mid;
        int k = 0;
        while (i < mid && j < end) {
            values[k++] = left[i] <= values[j] ? left[i++] : values[j++];
        }
        while (i < mid) {
            values[k++] = left[i++];
        }
    }

    private double latency(double factor) {
        return model.medianMs() * factor * Math.exp(model.sigma() * rng.nextGaussian());
    }

    /** Exact by geometric gaps when few events are expected, normal approximation when many are. */
    private long binomial(long n, double p) {
        double mean = n * p;
        if (mean > 50 && n * (1 - p) > 50) {
            return Math.max(0, Math.min(n, Math.round(mean + Math.sqrt(mean * (1 - p)) * rng.nextGaussian())));
        }
        long events = 0;
        double logQ = Math.log1p(-p);
        for (long i = (long) Math.floor(Math.log(1 - rng.nextDouble()) / logQ); i < n;
             i += 1 + (long) Math.floor(Math.log(1 - rng.nextDouble()) / logQ)) {
            events++;
        }
        return events;
    }

    private static List<Double> boxed(double[] values, int size) {
        return Arrays.stream(values, 0, size).boxed().toList();
    }
}
