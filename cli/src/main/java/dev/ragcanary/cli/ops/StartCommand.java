package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.RolloutExecutions.Execution;
import dev.ragcanary.core.ports.RolloutExecutions.Started;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sfn.SfnClient;

@Command(name = "start", mixinStandardHelpOptions = true, description = {
        "Start a rollout on AWS: validate the start input, then start the rollout state machine with it.",
        "The execution is named after the rolloutId, so starting the same rollout again joins the running execution.",
        "Exit 0 started or already running, 2 bad input or name taken by a finished execution, 1 AWS call failed."})
public final class StartCommand implements Callable<Integer> {
    /** Step Functions execution names: 1-80 letters, digits, '-' or '_'. */
    private static final Pattern EXECUTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.StateMachine machine;

    @Parameters(paramLabel = "START.json", description = "start input, e.g. events/start-rollout.json")
    Path startFile;

    @Option(names = "--name", paramLabel = "NAME", description = "execution name (default: the rolloutId)")
    String name;

    StartCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        String input = Files.readString(startFile);
        RolloutRequest plan = RolloutRequestParser.parse(input);
        String executionName = name != null ? name : plan.rolloutId();
        if (!EXECUTION_NAME.matcher(executionName).matches()) {
            throw new UsageProblem("execution name \"" + executionName + "\" is not allowed by Step Functions (1-80 letters,"
                    + " digits, '-' or '_'); pass --name NAME");
        }
        String arn = machine.stateMachineArn(env);
        PrintWriter out = spec.commandLine().getOut();
        try (SfnClient sfn = OperatorSettings.stepFunctions(arn, env)) {
            Started started = new StepFunctionsRolloutExecutions(sfn, arn).start(executionName,
                    Json.compact(Json.MAPPER.readTree(input)));
            Execution execution = started.execution();
            if (!started.alreadyExisted()) {
                out.printf("started rollout %s (%s:%s, canary version %s)%n  execution %s%n  console   %s%n",
                        plan.rolloutId(), plan.target().functionName(), plan.target().alias(),
                        plan.target().canaryVersion(), execution.executionArn(), Consoles.execution(execution.executionArn()));
                return ExitCodes.OK;
            }
            if (execution.running()) {
                out.printf("rollout %s is already running (started %s); joined it instead of starting another%n"
                                + "  execution %s%n  console   %s%n", plan.rolloutId(), execution.startDate(),
                        execution.executionArn(), Consoles.execution(execution.executionArn()));
                return ExitCodes.OK;
            }
            throw new UsageProblem("execution name " + executionName + " is taken by a finished execution ("
                    + execution.status() + " at " + execution.stopDate() + ", " + execution.executionArn()
                    + "); a rollout id runs once: give the start input a new rolloutId, or pass --name NAME");
        }
    }
}
