package dev.ragcanary.cli.rehearse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.fleet.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rehearse", mixinStandardHelpOptions = true, description = {
        "Rehearse a whole rollout on this machine, with no AWS account.",
        "Runs the real state machine files and handlers on the local runner with dynalite, the sample RAG target as",
        "control and canary, and sticky users routed through the real router; bakes take virtual time.",
        "Prints every stage and writes a report folder (report.html, report.json, ledger.json, evidence/).",
        "Exit 0 promoted, 3 rolled back, 5 stickiness violated (a user served against the sticky rule, whatever the",
        "rollout's outcome), 2 bad input (nothing started)."})
public final class RehearseCommand implements Callable<Integer> {
    static final String DEFAULT_START = "events/start-rollout.json";
    static final String DEFAULT_SCENARIO = "events/scenarios/healthy.json";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "START.json", arity = "0..1", description = "start input (default: " + DEFAULT_START + ")")
    Path startFile;

    @Option(names = "--scenario", paramLabel = "FILE", description = "what the fleet does (default: " + DEFAULT_SCENARIO + ")")
    Path scenarioFile;

    @Option(names = "--report", paramLabel = "DIR", description = "report folder (default: rehearsal-report)")
    Path reportDir = Path.of("rehearsal-report");

    @Override
    public Integer call() throws Exception {
        ProjectLayout layout = ProjectLayout.find();
        Path start = startFile != null ? startFile : layout.root().resolve(DEFAULT_START);
        Path scenario = scenarioFile != null ? scenarioFile : layout.root().resolve(DEFAULT_SCENARIO);
        String startJson = Files.readString(start);
        RolloutRequestParser.parse(startJson);
        JsonNode base = Contract.START_INPUT.parse(start.toString(), startJson);
        if (!Files.isRegularFile(scenario)) {
            throw new UsageProblem("no such scenario file: " + scenario + "; scenarios are in " + layout.scenarios());
        }
        if (!scenario.getFileName().toString().endsWith(".json")) {
            throw new UsageProblem("a scenario is a .json file: " + scenario);
        }
        Scenario parsed;
        try {
            parsed = Scenario.read(scenario, base, layout.stageMachineStates());
        } catch (IllegalArgumentException unreadable) {
            throw new UsageProblem(unreadable.getMessage());
        }
        Rehearsal.Result result = new Rehearsal(layout, spec.commandLine().getOut()).run(base, parsed, reportDir);
        return result.exitCode();
    }
}
