package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.cli.CanaryCli;
import dev.ragcanary.cli.CanaryCli.UsageProblem;
import dev.ragcanary.core.ops.RolloutExecutions.Execution;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sfn.SfnClient;

@Command(name = "abort", mixinStandardHelpOptions = true, description = {
        "Stop a running rollout. The stop triggers the cleanup rule, which rolls the canary back to weight 0.",
        "Exit 0 stopped, 2 no such running rollout, 1 AWS call failed."})
public final class AbortCommand implements Callable<Integer> {
    static final String ERROR = "OperatorAbort";

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.StateMachine machine;

    @Parameters(paramLabel = "ROLLOUT", description = "rollout id (the execution name)")
    String rolloutId;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why; kept in the execution and the ledger")
    String reason;

    AbortCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        String arn = machine.stateMachineArn(env);
        try (SfnClient sfn = OperatorSettings.stepFunctions(arn, env)) {
            StepFunctionsRolloutExecutions executions = new StepFunctionsRolloutExecutions(sfn, arn);
            Execution execution = executions.describe(rolloutId).orElseThrow(() -> new UsageProblem(
                    "no rollout execution named " + rolloutId + " on " + arn));
            if (!execution.running()) {
                throw new UsageProblem("rollout " + rolloutId + " is not running (" + execution.status()
                        + "); nothing to abort");
            }
            executions.stop(rolloutId, ERROR, reason);
            spec.commandLine().getOut().printf("stopped rollout %s (%s): %s%n"
                            + "  the cleanup rule now rolls the canary back to weight 0; follow it with ./canary status %s%n",
                    rolloutId, execution.executionArn(), reason, rolloutId);
            return CanaryCli.EXIT_OK;
        }
    }
}
