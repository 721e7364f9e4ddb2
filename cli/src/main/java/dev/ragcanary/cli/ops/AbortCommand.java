package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.ports.RolloutExecutions.Execution;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerNotes;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.Step;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;

@Command(name = "abort", mixinStandardHelpOptions = true, description = {
        "Stop a running rollout. The reason is kept in the ledger (ABORT_REQUESTED) and as the stop's cause; the stop"
                + " triggers the cleanup rule, which rolls the canary back to weight 0.",
        "Exit 0 stopped, 2 no such running rollout, 1 AWS call failed."})
public final class AbortCommand implements Callable<Integer> {
    static final String ERROR = "OperatorAbort";

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.StateMachine machine;

    @Mixin
    OperatorSettings.Table rolloutsTable;

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
            recordReason(execution);
            // The cleanup copies the stop's cause into its ROLLED_BACK entry, so the reason stays there too.
            executions.stop(rolloutId, ERROR, reason);
            spec.commandLine().getOut().printf("stopped rollout %s (%s): %s%n"
                            + "  the cleanup rule now rolls the canary back to weight 0; follow it with ./canary status %s%n",
                    rolloutId, execution.executionArn(), reason, rolloutId);
            return ExitCodes.OK;
        }
    }

    /** Appends the reason to the ledger as ABORT_REQUESTED. Whatever goes wrong here, the stop still happens. */
    private void recordReason(Execution execution) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Step step = Step.first("cli/abort/" + UUID.randomUUID());
        try (DynamoDbClient dynamo = OperatorSettings.dynamoDb(env)) {
            String table = rolloutsTable.table(env);
            LedgerNotes notes = new LedgerNotes(new DynamoDbRolloutStore(dynamo, table), new DynamoDbLedger(dynamo, table),
                    Clock.systemUTC());
            RolloutState after = notes.record(RolloutRequestParser.parse(execution.input()),
                    LedgerEntry.Type.ABORT_REQUESTED, reason, null, step);
            LedgerEntry entry = after.lastEntry();
            if (entry != null && step.token().equals(entry.token())) {
                out.printf("recorded the reason in the ledger (#%d ABORT_REQUESTED)%n", entry.sequence());
            } else {
                err.printf("the reason was not recorded in the ledger: rollout %s is already %s%n", rolloutId, after.status());
            }
        } catch (RuntimeException notRecorded) {
            // Stopping a bad rollout matters more than its ledger note; the stop's cause still carries the reason.
            err.printf("the reason was not recorded in the ledger (%s); stopping anyway%n", notRecorded.getMessage());
        }
    }
}
