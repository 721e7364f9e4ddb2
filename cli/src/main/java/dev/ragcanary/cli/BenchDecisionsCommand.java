package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.simulation.DecisionSimulation;
import dev.ragcanary.cli.simulation.LatencyShape;
import dev.ragcanary.cli.simulation.Scenario;
import dev.ragcanary.cli.simulation.TrafficModel;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "decisions", mixinStandardHelpOptions = true, description = {
        "Simulate rollouts with known truth (no AWS) and compare the statistical gate (live looks during each bake,",
        "the full look at its end) with a fixed-window canary that checks point estimates once: rollbacks by a failing",
        "rule or for lack of traffic, promotions, canary requests and bake minutes until the decision."})
final class BenchDecisionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rollouts", defaultValue = "40", description = "rollouts per stage and scenario (default ${DEFAULT-VALUE})")
    int rollouts;

    @Option(names = "--seed", defaultValue = "20250827", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "worker threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--json", description = "print the rows as JSON objects instead of the table")
    boolean json;

    /** Window requests that give a stage-one canary about 250 warm samples per five-minute look. */
    private static final long SMALL_CANARY_WINDOW = 155_000;

    @Override
    public Integer call() {
        if (rollouts < 1 || threads < 1) {
            spec.commandLine().getErr().println("--rollouts and --threads must be at least 1");
            return ExitCodes.BAD_INPUT;
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<DecisionSimulation.Row> rows = rows();
        err.printf(Locale.ROOT, "simulating %d rollouts x %d rows, seed %d, %d threads%n", rollouts, rows.size(), seed, threads);
        err.flush();
        long started = System.nanoTime();
        List<DecisionSimulation.Cell> cells = new DecisionSimulation(Thresholds.DEFAULTS, rollouts, seed)
                .run(rows, threads, line -> {
                    err.println(line);
                    err.flush();
                });
        err.printf(Locale.ROOT, "done in %.0f s%n", (System.nanoTime() - started) / 1e9);
        err.flush();
        if (json) {
            out.println(Json.pretty(DecisionSimulation.json(cells)));
        } else {
            out.printf(Locale.ROOT, "Traffic: %,d requests per %d-minute bake unless the row says otherwise; default thresholds"
                            + " (live looks every %d s, at most %d extensions); seed %d, %d rollouts per row.%n%n",
                    TrafficModel.DEFAULT.windowRequests(), rows.get(0).stage().bakeSeconds() / 60,
                    Thresholds.DEFAULTS.lookIntervalSeconds(), Thresholds.DEFAULTS.maxExtensions(), seed, rollouts);
            out.print(DecisionSimulation.table(cells));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * Every truth at stages one, five and fifty on the default traffic; then, at stage one, the latency shapes, a canary
     * far smaller than its control, and a 0.1 % error rate, each with a healthy canary and a severe regression.
     */
    static List<DecisionSimulation.Row> rows() {
        List<DecisionSimulation.Row> rows = new ArrayList<>();
        for (String name : List.of("one", "five", "fifty")) {
            Stage stage = StageLadder.defaultStage(name).orElseThrow();
            Scenario.STANDARD.forEach(s -> rows.add(new DecisionSimulation.Row(stage, s, TrafficModel.DEFAULT)));
        }
        Stage one = StageLadder.defaultStage("one").orElseThrow();
        for (LatencyShape shape : LatencyShape.values()) {
            if (shape != LatencyShape.LOG_NORMAL) {
                TrafficModel model = TrafficModel.DEFAULT.withShape(shape);
                rows.add(new DecisionSimulation.Row(one, Scenario.AA, model));
                rows.add(new DecisionSimulation.Row(one, Scenario.P95_PLUS_50, model));
            }
        }
        TrafficModel small = TrafficModel.DEFAULT.withWindow("small canary (~250 warm per look)", SMALL_CANARY_WINDOW);
        List.of(Scenario.AA, Scenario.P95_PLUS_50, Scenario.ERRORS_X2).forEach(s -> rows.add(new DecisionSimulation.Row(one, s, small)));
        TrafficModel rare = TrafficModel.DEFAULT.withErrorRate(0.001);
        List.of(Scenario.AA, Scenario.STANDARD.get(2), Scenario.ERRORS_X2).forEach(s -> rows.add(new DecisionSimulation.Row(one, s, rare)));
        return rows;
    }
}
