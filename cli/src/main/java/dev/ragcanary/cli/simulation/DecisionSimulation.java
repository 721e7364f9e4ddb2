package dev.ragcanary.cli.simulation;

import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.core.stats.Percentiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Many simulated rollouts with known truth, each judged by the statistical gate and by the fixed-window baseline on the
 * same traffic. Seeded: every rollout draws from its own generator seeded by (seed, stage, scenario, index), so results
 * do not depend on thread scheduling.
 */
public final class DecisionSimulation {
    private final TrafficModel model;
    private final Thresholds thresholds;
    private final int rollouts;
    private final long seed;

    public DecisionSimulation(TrafficModel model, Thresholds thresholds, int rollouts, long seed) {
        this.model = model;
        this.thresholds = thresholds;
        this.rollouts = rollouts;
        this.seed = seed;
    }

    /** How one arm did over a cell's rollouts; requests are canary requests served until the decision. */
    public record Arm(int rollouts, int rolledBack, double medianRequests, double p90Requests) {
        public double rollbackRate() {
            return (double) rolledBack / rollouts;
        }
    }

    /** One (stage, scenario) cell. */
    public record Cell(Stage stage, Scenario scenario, Arm ours, Arm fixed) {
        public double requestsRatio() {
            return ours.medianRequests() / fixed.medianRequests();
        }
    }

    public List<Cell> run(List<Stage> stages, List<Scenario> scenarios, int threads, Consumer<String> progress) {
        List<Cell> cells = new ArrayList<>();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            for (int s = 0; s < stages.size(); s++) {
                for (int c = 0; c < scenarios.size(); c++) {
                    long started = System.nanoTime();
                    Cell cell = runCell(pool, stages.get(s), s, scenarios.get(c), c);
                    cells.add(cell);
                    progress.accept(String.format(Locale.ROOT, "stage %-5s %-18s %d rollouts in %.1f s",
                            cell.stage().name(), cell.scenario().name(), rollouts, (System.nanoTime() - started) / 1e9));
                }
            }
        } finally {
            pool.shutdown();
        }
        return cells;
    }

    private Cell runCell(ForkJoinPool pool, Stage stage, int stageIndex, Scenario scenario, int scenarioIndex) {
        SimulatedRollout.Outcome[] outcomes = new SimulatedRollout.Outcome[rollouts];
        try {
            pool.submit(() -> IntStream.range(0, rollouts).parallel().forEach(i -> outcomes[i] =
                    new SimulatedRollout(model, thresholds, stage, scenario, rolloutSeed(stageIndex, scenarioIndex, i)).run())).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("simulation interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("simulation failed", e.getCause());
        }
        return new Cell(stage, scenario,
                arm(Arrays.stream(outcomes).map(o -> o.oursRolledBack()).toList(), Arrays.stream(outcomes).mapToDouble(o -> o.oursRequests()).toArray()),
                arm(Arrays.stream(outcomes).map(o -> o.fixedRolledBack()).toList(), Arrays.stream(outcomes).mapToDouble(o -> o.fixedRequests()).toArray()));
    }

    private static Arm arm(List<Boolean> rolledBack, double[] requests) {
        Arrays.sort(requests);
        return new Arm(rolledBack.size(), (int) rolledBack.stream().filter(b -> b).count(),
                Percentiles.ofSorted(requests, 0.5), Percentiles.ofSorted(requests, 0.9));
    }

    /** SplitMix64 finalizer over the cell coordinates: independent, reproducible streams per rollout. */
    private long rolloutSeed(int stageIndex, int scenarioIndex, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (1 + ((long) stageIndex << 40 | (long) scenarioIndex << 24 | index));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The comparison as a Markdown table, one row per (stage, scenario). */
    public static String table(List<Cell> cells) {
        StringBuilder sb = new StringBuilder();
        sb.append("| stage | truth | rolled back: statistical | rolled back: fixed window | canary requests to decide, median / p90: statistical | fixed window | median ratio (statistical / fixed) |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            sb.append(String.format(Locale.ROOT, "| %s (%s) | %s | %s | %s | %,.0f / %,.0f | %,.0f / %,.0f | %.2f |%n",
                    c.stage().name(), pct(c.stage().weight()), c.scenario().name(),
                    rate(c.ours(), c.scenario()), rate(c.fixed(), c.scenario()),
                    c.ours().medianRequests(), c.ours().p90Requests(), c.fixed().medianRequests(), c.fixed().p90Requests(),
                    c.requestsRatio()));
        }
        return sb.toString();
    }

    private static String rate(Arm arm, Scenario scenario) {
        return String.format(Locale.ROOT, "%.1f%% %s", arm.rollbackRate() * 100, scenario.regression() ? "detected" : "false rollbacks");
    }

    private static String pct(double weight) {
        return String.format(Locale.ROOT, "%.0f%%", weight * 100);
    }
}
