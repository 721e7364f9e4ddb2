package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.RolloutExecutions.PendingApproval;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sfn.SfnClient;

@Command(name = "approve", mixinStandardHelpOptions = true, description = {
        "Answer the approval a running rollout waits for (a stage listed in \"approvals\", or a stage the gate held).",
        "The task token is read from the execution's history; it is stored nowhere else.",
        "Exit 0 answered, 2 nothing waiting for approval, 1 AWS call failed."})
public final class ApproveCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.StateMachine machine;

    @Parameters(paramLabel = "ROLLOUT", description = "rollout id (the execution name)")
    String rolloutId;

    @Option(names = "--by", paramLabel = "NAME", description = "who approves (default: $USER)")
    String by;

    @Option(names = "--reject", description = "refuse instead: the rollout rolls back")
    boolean reject;

    ApproveCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        String arn = machine.stateMachineArn(env);
        try (SfnClient sfn = OperatorSettings.stepFunctions(arn, env)) {
            StepFunctionsRolloutExecutions executions = new StepFunctionsRolloutExecutions(sfn, arn);
            PendingApproval pending = executions.pendingApproval(rolloutId).orElseThrow(() -> new UsageProblem(
                    "rollout " + rolloutId + " is not waiting for an approval; see ./canary status " + rolloutId));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("approved", !reject);
            answer.put("by", OperatorSettings.operatorName(by, env));
            executions.answer(pending.taskToken(), Json.compact(answer));
            String stage = Json.MAPPER.readTree(pending.message()).path("stage").asText("?");
            spec.commandLine().getOut().printf("%s stage %s of rollout %s (it waited in \"%s\" since %s)%n",
                    reject ? "refused" : "approved", stage, rolloutId, pending.stateName(), pending.since());
            return ExitCodes.OK;
        }
    }
}
