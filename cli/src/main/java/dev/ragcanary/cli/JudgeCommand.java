package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.Thresholds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "judge", mixinStandardHelpOptions = true, description = {
        "Judge an evidence bundle and print the verdict as JSON.",
        "Exit 0 PROMOTE, 3 ROLLBACK, 4 EXTEND or HOLD, 2 bad input."})
final class JudgeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "EVIDENCE.json", description = "evidence bundle (events/evidence/*.json, or archived by a stage)")
    Path evidenceFile;

    @Option(names = "--stage", paramLabel = "NAME", description = "judge as this stage instead of the one in the evidence")
    String stageName;

    @Option(names = "--thresholds", paramLabel = "FILE", description = "threshold overrides (JSON) replacing those in the evidence")
    Path thresholdsFile;

    @Override
    public Integer call() throws Exception {
        // Every problem of the three inputs at once: the evidence, the thresholds file and the stage it is judged as.
        List<Problem> problems = new ArrayList<>();
        Evidence evidence = read(() -> EvidenceParser.parse(Files.readString(evidenceFile)), "", problems);
        Thresholds overrides = thresholdsFile == null ? null : read(() -> EvidenceParser.parseThresholds(
                Files.readString(thresholdsFile), Thresholds.DEFAULTS), "--thresholds ", problems);
        Stage stage = evidence == null ? null : read(() -> EvidenceParser.stage(evidence, stageName), "", problems);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("judge input", problems);
        }
        Thresholds thresholds = overrides != null ? overrides : evidence.thresholds();
        Verdict verdict = GateEngine.standard().evaluate(stage, thresholds, evidence);
        spec.commandLine().getOut().println(Json.pretty(verdict));
        return switch (verdict.decision()) {
            case PROMOTE -> ExitCodes.OK;
            case ROLLBACK -> ExitCodes.ROLLBACK;
            case EXTEND, HOLD -> ExitCodes.EXTEND_OR_HOLD;
        };
    }

    private static <T> T read(Callable<T> reading, String where, List<Problem> problems) throws Exception {
        try {
            return reading.call();
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> problems.add(new Problem(where + p.path(), p.message())));
            return null;
        }
    }
}
