package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true, description = {
        "Validate a start input and print the filled-in rollout plan, or every problem with its JSON path.",
        "A calibration given as a local file is read and checked too (one in the evidence bucket is read by the gate).",
        "Exit 0 valid, 2 invalid."})
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "START.json", description = "start input, e.g. events/start-rollout.json")
    Path startFile;

    @Override
    public Integer call() throws Exception {
        RolloutRequest plan = RolloutRequestParser.parse(Files.readString(startFile));
        LocalCalibration.check(plan, startFile);
        spec.commandLine().getOut().println(Json.pretty(plan));
        return ExitCodes.OK;
    }
}
