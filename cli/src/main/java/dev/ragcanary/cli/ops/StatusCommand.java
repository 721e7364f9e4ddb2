package dev.ragcanary.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.cli.ops.RolloutStateScan.AliasKey;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.RolloutExecutions.Execution;
import dev.ragcanary.core.ports.RolloutExecutions.PendingApproval;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;

@Command(name = "status", mixinStandardHelpOptions = true, description = {
        "Show a rollout: stage, weights, epoch, status and the last verdict with its rule values.",
        "With a state machine configured, also its execution and any approval it waits for.",
        "Without ROLLOUT, one line per alias that has a rollout.",
        "Exit 0, 2 unknown rollout, 1 AWS call failed."})
public final class StatusCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.StateMachine machine;

    @Mixin
    OperatorSettings.Table rolloutsTable;

    @Parameters(paramLabel = "ROLLOUT", arity = "0..1", description = "rollout id (default: every alias with a rollout)")
    String rolloutId;

    StatusCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        String table = rolloutsTable.table(env);
        PrintWriter out = spec.commandLine().getOut();
        try (DynamoDbClient dynamo = OperatorSettings.dynamoDb(env)) {
            DynamoDbRolloutStore store = new DynamoDbRolloutStore(dynamo, table);
            if (rolloutId == null) {
                List<AliasKey> aliases = new RolloutStateScan(dynamo, table).aliases(null);
                if (aliases.isEmpty()) {
                    out.println("no rollouts in table " + table);
                }
                for (AliasKey key : aliases) {
                    store.read(key.functionName(), key.alias()).ifPresent(state -> out.println(summaryLine(state)));
                }
                return ExitCodes.OK;
            }
            Optional<RolloutState> state = new RolloutStateScan(dynamo, table).stateOf(rolloutId, store);
            List<LedgerEntry> ledger = new DynamoDbLedger(dynamo, table).complete(rolloutId, state);
            if (state.isEmpty() && ledger.isEmpty()) {
                throw new UsageProblem("no rollout " + rolloutId + " in table " + table);
            }
            state.ifPresentOrElse(s -> printState(out, s), () -> out.printf(
                    "rollout %s: its alias has moved on to another rollout; last ledger entry below%n", rolloutId));
            boolean verdictShown = printLastEntries(out, ledger);
            if (machine.configured(env)) {
                printExecution(out, verdictShown);
            } else if (!verdictShown) {
                out.println("  no verdict in the ledger; pass --state-machine-arn to read the last one from the execution");
            }
        }
        return ExitCodes.OK;
    }

    static String summaryLine(RolloutState s) {
        return String.format("%-28s %s:%s  %-11s stage %-10s canary %6.2f%%  epoch %d  (control %s, canary %s)",
                s.rolloutId(), s.functionName(), s.alias(), s.status(), s.stage(), s.weight() * 100, s.epoch(),
                s.controlVersion(), s.canaryVersion());
    }

    private static void printState(PrintWriter out, RolloutState s) {
        out.printf("rollout %s on %s:%s  %s%n", s.rolloutId(), s.functionName(), s.alias(), s.status());
        out.printf("  stage %s, canary weight %.2f%% (%s), epoch %d%n", s.stage(), s.weight() * 100,
                s.regionWeights().entrySet().stream().map(e -> String.format("%s %.2f%%", e.getKey(), e.getValue() * 100))
                        .collect(Collectors.joining(", ")), s.epoch());
        out.printf("  control version %s, canary version %s, sticky %s (%s) for %d h%n", s.controlVersion(),
                s.canaryVersion(), s.stickyKeyAttribute(), s.stickySource(), s.stickyHours());
        if (s.lockKept()) {
            out.printf("  LOCK KEPT since %s: no rollout can start on %s:%s until it is released (why: last ledger"
                            + " entry below)%n    once every region's alias is right: ./canary release %s --reason TEXT%n",
                    s.lastEntry().at(), s.functionName(), s.alias(), s.rolloutId());
        }
    }

    /** @return whether a verdict was printed */
    private static boolean printLastEntries(PrintWriter out, List<LedgerEntry> ledger) {
        if (ledger.isEmpty()) {
            return false;
        }
        LedgerEntry last = ledger.get(ledger.size() - 1);
        out.printf("  last ledger entry #%d at %s: %s %s%s%n", last.sequence(), last.at(), last.type(), last.stage(),
                last.reason() == null ? "" : " - " + last.reason());
        Optional<LedgerEntry> verdict = ledger.stream().filter(e -> VerdictText.verdictOf(e.detail()) != null)
                .reduce((first, second) -> second);
        verdict.ifPresent(v -> {
            out.printf("  last verdict (stage %s, %s):%n", v.stage(), v.at());
            VerdictText.rules(v.detail()).forEach(line -> out.println("    " + line));
        });
        return verdict.isPresent();
    }

    private void printExecution(PrintWriter out, boolean verdictShown) {
        String arn = machine.stateMachineArn(env);
        try (SfnClient sfn = OperatorSettings.stepFunctions(arn, env)) {
            StepFunctionsRolloutExecutions executions = new StepFunctionsRolloutExecutions(sfn, arn);
            Optional<Execution> execution = executions.describe(rolloutId);
            if (execution.isEmpty()) {
                out.println("  no execution named " + rolloutId + " on " + arn);
                return;
            }
            Execution e = execution.get();
            out.printf("  execution %s since %s%s%n", e.status(), e.startDate(),
                    e.error() == null ? "" : " (" + e.error() + ": " + e.cause() + ")");
            out.println("  console   " + Consoles.execution(e.executionArn()));
            if (!verdictShown) {
                Optional<JsonNode> stage = executions.lastStageResult(rolloutId).map(text -> Json.parse("stage result", text));
                stage.map(result -> result.path("verdict")).filter(v -> VerdictText.verdictOf(v) != null).ifPresentOrElse(v -> {
                    out.printf("  last verdict (stage %s, from the execution history):%n", v.path("stage").asText());
                    VerdictText.rules(v).forEach(line -> out.println("    " + line));
                }, () -> out.println("  no stage has returned a verdict yet"));
            }
            if (e.running()) {
                Optional<PendingApproval> pending = executions.pendingApproval(rolloutId);
                pending.ifPresent(p -> out.printf("  waiting for approval in \"%s\" since %s: ./canary approve %s%n",
                        p.stateName(), p.since(), rolloutId));
            }
        }
    }
}
