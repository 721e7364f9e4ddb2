package dev.ragcanary.cli.simulation;

import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.core.stats.Percentiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Many simulated rollouts with known truth, each judged by the statistical gate and by the fixed-window baseline on the
 * same traffic. Seeded: every rollout draws from its own generator seeded by (seed, row, index), so results do not
 * depend on thread scheduling.
 */
public final class DecisionSimulation {
    private final Thresholds thresholds;
    private final int rollouts;
    private final long seed;

    public DecisionSimulation(Thresholds thresholds, int rollouts, long seed) {
        this.thresholds = thresholds;
        this.rollouts = rollouts;
        this.seed = seed;
    }

    /** One row of the bench: a stage, a truth, and the traffic it is judged on. */
    public record Row(Stage stage, Scenario scenario, TrafficModel model) {
    }

    /**
     * How the statistical gate did over a row's rollouts (shares of them), with the canary requests and bake minutes
     * until its decision, against the fixed window's rollbacks after its one bake.
     */
    public record Cell(Row row, int rollouts, double rolledBackByARule, double rolledBackNotEnoughTraffic, double promoted,
                       double held, double extendedToTheEnd, double medianRequests, double p90Requests,
                       double medianMinutes, double p90Minutes, double fixedRolledBack, long fixedRequests,
                       double fixedMinutes) {
        public double rolledBack() {
            return rolledBackByARule + rolledBackNotEnoughTraffic;
        }

        /** Median requests to decide, as a share of the fixed window's. */
        public double requestsRatio() {
            return medianRequests / fixedRequests;
        }
    }

    public List<Cell> run(List<Row> rows, int threads, Consumer<String> progress) {
        List<Cell> cells = new ArrayList<>();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            for (int r = 0; r < rows.size(); r++) {
                long started = System.nanoTime();
                Cell cell = runRow(pool, rows.get(r), r);
                cells.add(cell);
                progress.accept(String.format(Locale.ROOT, "stage %-5s %-26s %-30s %d rollouts in %.1f s",
                        cell.row().stage().name(), cell.row().scenario().name(), cell.row().model().label(), rollouts,
                        (System.nanoTime() - started) / 1e9));
            }
        } finally {
            pool.shutdown();
        }
        return cells;
    }

    private Cell runRow(ForkJoinPool pool, Row row, int rowIndex) {
        SimulatedRollout.Outcome[] outcomes = new SimulatedRollout.Outcome[rollouts];
        try {
            pool.submit(() -> IntStream.range(0, rollouts).parallel().forEach(i -> outcomes[i] =
                    new SimulatedRollout(row.model(), thresholds, row.stage(), row.scenario(), rolloutSeed(rowIndex, i)).run())).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("simulation interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("simulation failed", e.getCause());
        }
        List<SimulatedRollout.Outcome> all = Arrays.asList(outcomes);
        double[] requests = all.stream().mapToDouble(SimulatedRollout.Outcome::requests).sorted().toArray();
        double[] minutes = all.stream().mapToDouble(SimulatedRollout.Outcome::minutes).sorted().toArray();
        return new Cell(row, rollouts, share(all, o -> o.ending() == SimulatedRollout.Ending.ROLLED_BACK_BY_A_RULE),
                share(all, o -> o.ending() == SimulatedRollout.Ending.ROLLED_BACK_NOT_ENOUGH_TRAFFIC),
                share(all, o -> o.ending() == SimulatedRollout.Ending.PROMOTED),
                share(all, o -> o.ending() == SimulatedRollout.Ending.HELD),
                share(all, SimulatedRollout.Outcome::extendedToTheEnd),
                Percentiles.ofSorted(requests, 0.5), Percentiles.ofSorted(requests, 0.9),
                Percentiles.ofSorted(minutes, 0.5), Percentiles.ofSorted(minutes, 0.9),
                share(all, SimulatedRollout.Outcome::fixedRolledBack),
                Math.round(row.model().windowRequests() * row.stage().weight()), row.stage().bakeSeconds() / 60.0);
    }

    private static double share(List<SimulatedRollout.Outcome> outcomes, Predicate<SimulatedRollout.Outcome> which) {
        return (double) outcomes.stream().filter(which).count() / outcomes.size();
    }

    /** SplitMix64 finalizer over the row and index: independent, reproducible streams per rollout. */
    private long rolloutSeed(int rowIndex, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (1 + ((long) rowIndex << 32 | index));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The comparison as a Markdown table, one row per (stage, truth, traffic). */
    public static String table(List<Cell> cells) {
        StringBuilder sb = new StringBuilder();
        sb.append("| stage | truth | traffic | rolled back: failing rule | rolled back: not enough traffic | promoted | extended to the end"
                + " | requests to decide, median / p90 | minutes to decide, median / p90 | median vs fixed window | fixed window: rolled back |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            sb.append(String.format(Locale.ROOT, "| %s (%s) | %s | %s | %s | %s | %s | %s | %,.0f / %,.0f | %.0f / %.0f | %.2f | %s |%n",
                    c.row().stage().name(), String.format(Locale.ROOT, "%.0f%%", c.row().stage().weight() * 100), c.row().scenario().name(), c.row().model().label(),
                    pct(c.rolledBackByARule()), pct(c.rolledBackNotEnoughTraffic()), pct(c.promoted()),
                    pct(c.extendedToTheEnd()), c.medianRequests(), c.p90Requests(), c.medianMinutes(), c.p90Minutes(),
                    c.requestsRatio(), pct(c.fixedRolledBack())));
        }
        return sb.toString();
    }

    /** The same rows as objects, for {@code --json}. */
    public static List<Map<String, Object>> json(List<Cell> cells) {
        return cells.stream().map(c -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("stage", c.row().stage().name());
            row.put("weight", c.row().stage().weight());
            row.put("truth", c.row().scenario().name());
            row.put("regression", c.row().scenario().regression());
            row.put("traffic", c.row().model().label());
            row.put("rollouts", c.rollouts());
            row.put("rolledBackByARule", c.rolledBackByARule());
            row.put("rolledBackNotEnoughTraffic", c.rolledBackNotEnoughTraffic());
            row.put("promoted", c.promoted());
            row.put("held", c.held());
            row.put("extendedToTheEnd", c.extendedToTheEnd());
            row.put("medianRequests", c.medianRequests());
            row.put("p90Requests", c.p90Requests());
            row.put("medianMinutes", c.medianMinutes());
            row.put("p90Minutes", c.p90Minutes());
            row.put("fixedWindowRequests", c.fixedRequests());
            row.put("fixedWindowMinutes", c.fixedMinutes());
            row.put("fixedWindowRolledBack", c.fixedRolledBack());
            return row;
        }).toList();
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }
}
