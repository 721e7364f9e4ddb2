package dev.ragcanary.cli.simulation;

import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.judge.LookPlan;
import dev.ragcanary.core.judge.OrderStatistics;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One stage of one rollout on synthetic traffic, judged two ways on the same requests. The statistical gate bakes as
 * the stage machine does: a live-only look every {@code lookIntervalSeconds} (a ROLLBACK ends the stage), the full
 * look at each bake's end (PROMOTE, ROLLBACK, or EXTEND for another bake, up to {@code maxExtensions}). The
 * fixed-window baseline looks once, after the first bake, at point estimates.
 */
final class SimulatedRollout {
    static final String CONTROL_CLASS = "5xx:UpstreamTimeout";
    static final String NEW_CLASS = "5xx:RerankerOOM";

    /** How the statistical gate ended the stage. */
    enum Ending { PROMOTED, ROLLED_BACK_BY_A_RULE, ROLLED_BACK_NOT_ENOUGH_TRAFFIC, HELD }

    /**
     * The gate's ending, the canary requests and bake minutes until it, whether it took every extension, and the fixed
     * window's answer (always after one bake).
     */
    record Outcome(Ending ending, long requests, double minutes, boolean extendedToTheEnd, boolean fixedRolledBack) {
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
        double[] controlSample = new double[model.sampleCap()];
        for (int i = 0; i < controlSample.length; i++) {
            controlSample[i] = model.shape().draw(rng, 1.0);
        }
        double[] sortedFullControl = controlSample.clone();
        Arrays.sort(sortedFullControl);
        int looksPerBake = (int) LookPlan.looksPerBake(stage.weight(), stage.bakeSeconds(), thresholds.lookIntervalSeconds());
        long canaryPerLook = Math.round(model.windowRequests() * stage.weight() / looksPerBake);
        double minutesPerLook = stage.bakeSeconds() / 60.0 / looksPerBake;
        GateEngine engine = GateEngine.liveTrafficOnly();
        Boolean fixedRolledBack = null;
        int look = 0;
        for (int bake = 0; bake <= thresholds.maxExtensions(); bake++) {
            for (int i = 1; i <= looksPerBake; i++) {
                serve(canaryPerLook);
                look++;
                Evidence evidence = evidence(bake, sortedControl(controlSample, sortedFullControl));
                if (fixedRolledBack == null && i == looksPerBake) {
                    fixedRolledBack = FixedWindowBaseline.rollsBack(thresholds, Arrays.copyOf(canaryLatency, canaryWarm),
                            sortedControl(controlSample, sortedFullControl), canaryErrors, canaryRequests, controlErrors,
                            controlRequests, canaryNewClass);
                }
                Verdict v = i < looksPerBake ? GateEngine.liveLook(stage, thresholds, evidence, look)
                        : engine.evaluate(stage, thresholds, evidence);
                if (v.decision() != Decision.EXTEND) {
                    return new Outcome(ending(v), canaryRequests, look * minutesPerLook,
                            bake == thresholds.maxExtensions(), fixedRolledBack != null ? fixedRolledBack : fixedAfterOneBake(
                                    looksPerBake - i, canaryPerLook, controlSample, sortedFullControl));
                }
            }
        }
        throw new IllegalStateException("the last bake's look always decides");
    }

    /** The fixed window's answer when the gate decided before the first bake ended: serve the rest of it, then look. */
    private boolean fixedAfterOneBake(int looksLeft, long canaryPerLook, double[] controlSample, double[] sortedFullControl) {
        serve(looksLeft * canaryPerLook);
        return FixedWindowBaseline.rollsBack(thresholds, Arrays.copyOf(canaryLatency, canaryWarm),
                sortedControl(controlSample, sortedFullControl), canaryErrors, canaryRequests, controlErrors,
                controlRequests, canaryNewClass);
    }

    private static Ending ending(Verdict v) {
        return switch (v.decision()) {
            case PROMOTE -> Ending.PROMOTED;
            case HOLD -> Ending.HELD;
            default -> v.rules().stream().anyMatch(r -> r.outcome() == dev.ragcanary.core.gate.Outcome.FAIL) ? Ending.ROLLED_BACK_BY_A_RULE
                    : Ending.ROLLED_BACK_NOT_ENOUGH_TRAFFIC;
        };
    }

    /**
     * Serves {@code canary} more canary requests: counts drawn binomially rather than request by request, canary
     * latencies drawn sorted and merged into the sorted run so far, for cheap looks.
     */
    private void serve(long canary) {
        double errorRate = model.errorRate() * scenario.errorFactor();
        long errors = binomial(canary, errorRate);
        long newClass = binomial(canary - errors, scenario.newClassRate() / (1 - errorRate));
        canaryErrors += errors + newClass;
        canaryNewClass += newClass;
        int warm = (int) binomial(canary, model.warmFraction());
        if (canaryWarm + warm > canaryLatency.length) {
            canaryLatency = Arrays.copyOf(canaryLatency, Math.max(canaryLatency.length * 2, canaryWarm + warm));
        }
        model.shape().drawSorted(rng, scenario.latencyFactor(), canaryLatency, canaryWarm, warm);
        mergeSorted(canaryLatency, canaryWarm, canaryWarm + warm);
        canaryWarm += warm;
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
                boxed(OrderStatistics.thin(Arrays.copyOf(canaryLatency, canaryWarm), model.sampleCap())), null, null, 0, 0);
        LiveMetrics.VariantMetrics control = new LiveMetrics.VariantMetrics(controlRequests, controlErrors,
                controlErrors == 0 ? Map.of() : Map.of(CONTROL_CLASS, controlErrors),
                boxed(sortedControl), null, null, 0, 0);
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

    /** Exact by geometric gaps when few events are expected, normal approximation when many are. */
    private long binomial(long n, double p) {
        if (p <= 0 || n <= 0) {
            return 0;
        }
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

    private static List<Double> boxed(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
