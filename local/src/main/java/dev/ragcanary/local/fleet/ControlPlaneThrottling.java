package dev.ragcanary.local.fleet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenario's throttling of the control plane, stage by stage. The stage is the one whose stage execution the
 * rollout started last ({@link #stageStarted}, told before that execution runs any state), so it holds from the
 * start of a stage until the next stage starts: a stage's extensions and promotion window share its budget, and the
 * rollout machine's work after a stage (the next stage's approval, a rollback, the promotion) counts as that stage's.
 * Every throttled call is recorded with the stage run it happened in.
 */
public final class ControlPlaneThrottling {
    /** The calls a scenario can throttle: the control plane calls the controller's handlers make. */
    public static final List<String> CALLS = List.of("GetAlias", "UpdateAlias", "DynamoDB.GetItem", "DynamoDB.PutItem",
            "DynamoDB.Query");

    /** A call the simulated control plane refused with a throttling error. */
    public record ThrottledCall(String stageRun, String stage, String call) {
    }

    private final Map<String, Integer> left = new HashMap<>();
    private final List<ThrottledCall> throttled = new ArrayList<>();
    private String stage;
    private String stageRun;

    ControlPlaneThrottling(List<Scenario.Throttle> throttles) {
        throttles.forEach(t -> left.merge(key(t.stage(), t.call()), t.times(), Integer::sum));
    }

    /** A stage execution is about to run {@code stage}; {@code stageRun} names that execution. */
    public synchronized void stageStarted(String stageRun, String stage) {
        this.stageRun = stageRun;
        this.stage = stage;
    }

    /** Whether {@code call} is throttled now: true while the current stage has throttles of it left (and uses one). */
    synchronized boolean throttles(String call) {
        String key = key(stage, call);
        int remaining = left.getOrDefault(key, 0);
        if (remaining == 0) {
            return false;
        }
        left.put(key, remaining - 1);
        throttled.add(new ThrottledCall(stageRun, stage, call));
        return true;
    }

    /** Every throttled call so far, in order. */
    public synchronized List<ThrottledCall> throttled() {
        return List.copyOf(throttled);
    }

    /**
     * Call -> how many times it was throttled while {@code stageRun} (a stage execution's name) was the latest stage
     * run: during it, and during the rollout machine's work after it until the next stage run started.
     */
    public synchronized Map<String, Integer> throttledDuring(String stageRun) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        throttled.stream().filter(t -> t.stageRun().equals(stageRun)).forEach(t -> counts.merge(t.call(), 1, Integer::sum));
        return counts;
    }

    private static String key(String stage, String call) {
        return stage + "/" + call;
    }
}
