package dev.ragcanary.local.faults;

import dev.ragcanary.local.LocalExecution;
import dev.ragcanary.local.LocalRunner;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.faults.FaultInjector.Fault;
import dev.ragcanary.local.faults.FaultInjector.Interleaving;
import dev.ragcanary.local.faults.FaultInjector.Point;
import dev.ragcanary.testsupport.Dynalite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * rag-canary's safety promise, proven Jepsen-style on this machine: every control-plane call the controller makes
 * (each call at each point of the rollout where it happens) × each fault kind, a stop on entry to every state of both
 * state machines, and the interleavings that broke the promise before (a shift or a promotion racing the cleanup of a
 * stopped execution, a verdict racing a rollback, a Lambda still running after its task timed out, a cleanup delivered
 * twice). Each case is a whole rollout on the real state machines and handlers ({@link MatrixRollout}), judged by
 * {@link SafetyInvariants}.
 *
 * <p>Cases are found, not listed: a recording run of each {@link Flow} names the points and states it passes, so a
 * new call or state joins the matrix by itself.
 */
public final class FaultMatrix {

    /**
     * A case and how it is armed before its rollout runs.
     *
     * @param injectsFault whether the case fails a call (it proves something only if the rollout reached that call)
     */
    record Case(String id, Flow flow, String group, String label, boolean injectsFault, Consumer<MatrixRollout> arm) {
    }

    /**
     * A finished case.
     *
     * @param flowEnd how the case's flow ends with no fault: a safe case that ends otherwise was changed by its fault
     *                (e.g. a transient fault that no retry absorbed, so the rollout rolled back for nothing)
     */
    public record Row(String id, String flow, String group, String label, SafetyInvariants.End end,
                      SafetyInvariants.End flowEnd, boolean safe, boolean reached, String executionStatus,
                      List<String> violations) {
    }


    /** Progress as cases finish. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total, row) -> { };

        void caseDone(int done, int total, Row row);
    }

    private final ProjectLayout layout;
    private final int lanes;
    private final AtomicInteger ids = new AtomicInteger();
    /** Each flow's end with no fault, from its recording run. */
    private final Map<String, SafetyInvariants.End> flowEnds = new ConcurrentHashMap<>();

    /** @param lanes cases run at once (each a node runner and its handlers) */
    public FaultMatrix(ProjectLayout layout, int lanes) {
        this.layout = layout;
        this.lanes = lanes;
    }

    /** Finds every case, runs them all, and returns one row per case in a stable order. */
    public List<Row> run(Progress progress) {
        try (Dynalite dynalite = Dynalite.start(); LocalRunner recorder = LocalRunner.start(layout)) {
            List<Case> cases = cases(dynalite, recorder);
            return runAll(dynalite, cases, progress);
        }
    }

    private List<Case> cases(Dynalite dynalite, LocalRunner runner) {
        List<Case> cases = new ArrayList<>();
        Set<String> contextsCovered = new LinkedHashSet<>();
        Set<String> statesCovered = new LinkedHashSet<>();
        for (Flow flow : Flow.ALL) {
            Recording recording = record(dynalite, runner, flow);
            for (Point point : recording.points()) {
                if (contextsCovered.contains(point.context())) {
                    continue;
                }
                for (FaultKind kind : FaultKind.values()) {
                    if (kind.takesEffect() && !recording.tookEffect().contains(point)) {
                        continue;
                    }
                    cases.add(new Case(nextId(), flow, point.call() + " | " + kind.label(), point + " | " + kind.label(),
                            true, rollout -> rollout.faults.inject(new Fault(point, kind))));
                }
            }
            recording.points().forEach(p -> contextsCovered.add(p.context()));
            addStops(cases, flow, recording.primaryStates(), false, statesCovered);
            addStops(cases, flow, recording.secondStates(), true, statesCovered);
        }
        cases.addAll(interleavings());
        return cases;
    }

    /** @param tookEffect the points whose call succeeded (only they can lose a reply after taking effect) */
    private record Recording(List<Point> points, Set<Point> tookEffect, List<String> primaryStates,
                             List<String> secondStates) {
    }

    /** A fault-free run of {@code flow}: which points and states it passes. */
    private Recording record(Dynalite dynalite, LocalRunner runner, Flow flow) {
        try (MatrixRollout rollout = new MatrixRollout(layout, dynalite, runner, nextId(), flow)) {
            MatrixRollout.Result result = rollout.run();
            if (!result.verdict().safe()) {
                throw new IllegalStateException("the fault-free run of flow \"" + flow.name() + "\" is already unsafe: "
                        + result.verdict().violations());
            }
            flowEnds.put(flow.name(), result.verdict().end());
            List<Point> points = rollout.faults.recorded();
            Set<Point> tookEffect = new HashSet<>();
            points.stream().filter(rollout.faults::tookEffect).forEach(tookEffect::add);
            return new Recording(points, tookEffect, List.copyOf(rollout.primaryStates),
                    List.copyOf(rollout.secondStates));
        }
    }

    /** A stop on entry to each state (each occurrence of a stage-machine state: one per stage run) not yet covered. */
    private void addStops(List<Case> cases, Flow flow, List<String> entered, boolean second, Set<String> covered) {
        Map<String, Integer> occurrences = new HashMap<>();
        for (String machineState : entered) {
            int occurrence = occurrences.merge(machineState, 1, Integer::sum);
            String machine = machineState.substring(0, machineState.indexOf('/'));
            String state = machineState.substring(machine.length() + 1);
            boolean stageRun = machine.equals("stage");
            String key = (second ? "second " : "") + machineState + (stageRun ? " #" + occurrence : "");
            if ((occurrence > 1 && !stageRun) || !covered.add(key)) {
                continue;
            }
            LocalExecution.AbortOn rule = new LocalExecution.AbortOn(machine, state, null, occurrence);
            cases.add(new Case(nextId(), flow, "stop on entry | " + (second ? "second execution's " : "") + machine
                    + " machine", (second ? "second execution: " : "") + machine + ": " + state
                    + (stageRun ? " (stage run " + occurrence + ")" : ""), false, rollout -> rollout.abortOn(rule, second)));
        }
    }

    /** The races that broke the promise before, each placed exactly by a call point. */
    private List<Case> interleavings() {
        Point shiftWrite = new Point("weight-shifter shift ten", FaultyControlPlane.UPDATE_ALIAS, 1);
        Point promoteWrite = new Point("weight-shifter promote", FaultyControlPlane.UPDATE_ALIAS, 1);
        Point verdictCommit = new Point("gate-evaluation ten", "DynamoDB.PutItem state", 1);
        Point rollbackCommit = new Point("weight-shifter rollback", "DynamoDB.PutItem state", 1);
        Point releaseCommit = new Point("weight-shifter release", "DynamoDB.PutItem state", 1);
        List<Case> cases = new ArrayList<>();
        cases.add(stopAt(shiftWrite, true, "the stop's cleanup runs just before the shift to ten writes the alias"));
        cases.add(stopAt(shiftWrite, false, "the stop's cleanup runs just after the shift to ten wrote the alias"));
        cases.add(stopAt(promoteWrite, true, "the stop's cleanup runs just before the promotion writes the alias"));
        cases.add(stopAt(promoteWrite, false, "the stop's cleanup runs just after the promotion wrote the alias"));
        cases.add(stopAt(verdictCommit, true, "the stop's cleanup commits between the gate's read and its verdict"));
        cases.add(lateShift(rollbackCommit, "a shift whose task timed out writes the alias after the rollback committed"));
        cases.add(lateShift(releaseCommit, "a shift whose task timed out writes the alias after the lock was released"));
        cases.add(new Case(nextId(), Flow.HEALTHY, "interleaving", "a gate whose task timed out records its verdict"
                + " after the rollback", false, rollout -> rollout.timeOutTask("gate-evaluation ten")));
        cases.add(new Case(nextId(), Flow.ALL.get(1), "interleaving", "the cleanup of a failed execution is delivered"
                + " twice", false, MatrixRollout::deliverCleanupTwice));
        return cases;
    }

    private Case stopAt(Point point, boolean before, String label) {
        return new Case(nextId(), Flow.HEALTHY, "interleaving", label, false, rollout -> rollout.faults.interleave(
                new Interleaving(point, before, () -> {
                    rollout.stopPrimary();
                    rollout.cleanUpPrimary("ABORTED");
                })));
    }

    /**
     * The shift to ten times out at once and keeps running: it has read the state (ACTIVE) and is held just before it
     * reads the alias, until {@code resumeAfter}; then it reads the lowered alias and raises it. Only the fence (the
     * commit that finds the rollout rolled back, and puts the weight back) keeps the canary at 0.
     */
    private Case lateShift(Point resumeAfter, String label) {
        Point lateWrite = new Point("weight-shifter shift ten", FaultyControlPlane.GET_ALIAS, 1);
        return new Case(nextId(), Flow.HEALTHY, "interleaving", label, false, rollout -> {
            rollout.timeOutTask("weight-shifter shift ten");
            rollout.faults.pause(lateWrite);
            rollout.faults.interleave(new Interleaving(resumeAfter, false, () -> rollout.faults.resume(lateWrite)));
        });
    }

    /** Runs the cases on {@link #lanes} threads, each with a node runner of its own. */
    private List<Row> runAll(Dynalite dynalite, List<Case> cases, Progress progress) {
        ExecutorService pool = Executors.newFixedThreadPool(lanes);
        List<LocalRunner> runners = new CopyOnWriteArrayList<>();
        ThreadLocal<LocalRunner> laneRunner = ThreadLocal.withInitial(() -> {
            LocalRunner runner = LocalRunner.start(layout);
            runners.add(runner);
            return runner;
        });
        AtomicInteger done = new AtomicInteger();
        try {
            List<Future<Row>> futures = new ArrayList<>();
            for (Case c : cases) {
                futures.add(pool.submit(() -> {
                    Row row = runCase(dynalite, laneRunner.get(), c);
                    progress.caseDone(done.incrementAndGet(), cases.size(), row);
                    return row;
                }));
            }
            List<Row> rows = new ArrayList<>();
            for (Future<Row> future : futures) {
                rows.add(future.get());
            }
            return rows;
        } catch (Exception e) {
            throw new IllegalStateException("the fault matrix could not run: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
            runners.forEach(LocalRunner::close);
        }
    }

    private Row runCase(Dynalite dynalite, LocalRunner runner, Case c) {
        try (MatrixRollout rollout = new MatrixRollout(layout, dynalite, runner, c.id(), c.flow())) {
            c.arm().accept(rollout);
            MatrixRollout.Result result = rollout.run();
            boolean reached = !c.injectsFault() || result.faultFired();
            List<String> violations = new ArrayList<>(result.verdict().violations());
            return new Row(c.id(), c.flow().name(), c.group(), c.label(), result.verdict().end(),
                    flowEnds.get(c.flow().name()), result.verdict().safe(), reached, result.executionStatus(),
                    violations);
        } catch (RuntimeException e) {
            return new Row(c.id(), c.flow().name(), c.group(), c.label(), SafetyInvariants.End.UNSAFE,
                    flowEnds.get(c.flow().name()), false, true, "HARNESS_ERROR",
                    List.of("the case could not run: " + e));
        }
    }

    private String nextId() {
        return "fm" + ids.incrementAndGet();
    }
}
