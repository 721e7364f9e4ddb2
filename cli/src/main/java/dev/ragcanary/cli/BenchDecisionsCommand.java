package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.simulation.DecisionSimulation;
import dev.ragcanary.cli.simulation.Scenario;
import dev.ragcanary.cli.simulation.TrafficModel;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "decisions", mixinStandardHelpOptions = true, description = {
        "Simulate rollouts with known truth (no AWS) and compare the statistical gate with a fixed-window canary",
        "that checks point estimates once: false rollbacks, detection, canary requests until the decision."})
final class BenchDecisionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rollouts", defaultValue = "1000", description = "rollouts per stage and scenario (default ${DEFAULT-VALUE})")
    int rollouts;

    @Option(names = "--seed", defaultValue = "20250827", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "worker threads (default ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() {
        if (rollouts < 1 || threads < 1) {
            spec.commandLine().getErr().println("--rollouts and --threads must be at least 1");
            return ExitCodes.BAD_INPUT;
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrafficModel model = TrafficModel.DEFAULT;
        List<Stage> stages = List.of(StageLadder.defaultStage("one").orElseThrow(), StageLadder.defaultStage("five").orElseThrow());
        err.printf(Locale.ROOT, "simulating %d rollouts x %d scenarios x %d stages, seed %d, %d threads%n",
                rollouts, Scenario.STANDARD.size(), stages.size(), seed, threads);
        err.flush();
        List<DecisionSimulation.Cell> cells = new DecisionSimulation(model, Thresholds.DEFAULTS, rollouts, seed)
                .run(stages, Scenario.STANDARD, threads, line -> {
                    err.println(line);
                    err.flush();
                });
        out.printf(Locale.ROOT, "Traffic: %,d requests per %d-minute window, control median %.0f ms (log-normal sigma %.2f), "
                        + "error rate %.1f%%; statistical gate looks every window/%d with default thresholds; seed %d, %d rollouts per row.%n%n",
                model.windowRequests(), stages.get(0).bakeSeconds() / 60, model.medianMs(), model.sigma(), model.errorRate() * 100,
                model.looksPerWindow(), seed, rollouts);
        out.print(DecisionSimulation.table(cells));
        out.flush();
        return ExitCodes.OK;
    }
}
