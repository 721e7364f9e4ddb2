package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.lambda.LambdaAliasControl;
import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.RolloutExecutions.Execution;
import dev.ragcanary.core.ports.RolloutExecutions.OperatorException;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.CanaryStillRoutedException;
import dev.ragcanary.core.traffic.LateRaiseWindowException;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LockKeptException;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.core.traffic.WeightShifter;
import dev.ragcanary.shifter.DependencyFactory;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
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

@Command(name = "release", mixinStandardHelpOptions = true, description = {
        "Free the alias lock of a rollout that automation could not release (a cleanup that could not verify weight 0,"
                + " a rollout left ROLLED_BACK), once every region's alias is right.",
        "Refused while the rollout's execution runs, while its canary still has weight, or while any region's alias"
                + " still routes to the canary. The release is recorded in the ledger with the reason and who asked.",
        "Exit 0 released or already released, 2 refused or unknown rollout, 1 AWS call failed."})
public final class ReleaseCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.StateMachine machine;

    @Mixin
    OperatorSettings.Table rolloutsTable;

    @Parameters(paramLabel = "ROLLOUT", description = "rollout id")
    String rolloutId;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why it is safe now; kept in the ledger")
    String reason;

    @Option(names = "--by", paramLabel = "NAME", description = "who releases (default: $USER)")
    String by;

    ReleaseCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        String table = rolloutsTable.table(env);
        String arn = machine.stateMachineArn(env);
        PrintWriter out = spec.commandLine().getOut();
        try (DynamoDbClient dynamo = OperatorSettings.dynamoDb(env);
             SfnClient sfn = OperatorSettings.stepFunctions(arn, env);
             OperatorSettings.LambdaClients lambdas = new OperatorSettings.LambdaClients(env)) {
            DynamoDbRolloutStore store = new DynamoDbRolloutStore(dynamo, table);
            DynamoDbLedger ledger = new DynamoDbLedger(dynamo, table);
            Optional<RolloutState> found = new RolloutStateScan(dynamo, table).stateOf(rolloutId, store);
            if (found.isEmpty()) {
                if (ledger.entries(rolloutId).isEmpty()) {
                    throw new UsageProblem("no rollout " + rolloutId + " in table " + table);
                }
                // A new rollout takes an alias only once its lock is free, so this rollout released it.
                out.printf("rollout %s holds no lock: its alias has moved on to another rollout; nothing to release%n",
                        rolloutId);
                return ExitCodes.OK;
            }
            RolloutState state = found.get();
            if (state.status() == RolloutStatus.RELEASED) {
                out.printf("rollout %s already released the lock on %s:%s; nothing to do%n", rolloutId,
                        state.functionName(), state.alias());
                return ExitCodes.OK;
            }
            Execution owner = owningExecution(state, new StepFunctionsRolloutExecutions(sfn, arn), "release");
            if (owner.running()) {
                throw new UsageProblem("refused: rollout " + rolloutId + " is still driven by execution "
                        + owner.executionArn() + " (RUNNING), which releases the lock itself when it ends; wait for it,"
                        + " or stop it with ./canary abort " + owner.name() + " --reason TEXT");
            }
            RolloutRequest plan = RolloutRequestParser.parse(owner.input());
            LambdaAliasControl aliases = new LambdaAliasControl(lambdas::in);
            // A release purges no cache. It frees the lock once the aliases verify, taking back a rolled-back canary's
            // weight first, and not before a shift that read the rollout ACTIVE can no longer be running.
            WeightShifter shifter = new WeightShifter(aliases, aliases, store, ledger, CachePurger.NONE,
                    new DependencyFactory(env).edgePublisher(), Clock.systemUTC(),
                    WeightShifter.LATE_RAISE_WINDOW);
            Step step = Step.first("cli/release/" + UUID.randomUUID());
            RolloutState released = release(shifter, plan, step);
            LedgerEntry entry = released.lastEntry();
            if (entry == null || !step.token().equals(entry.token())) {
                out.printf("rollout %s already released the lock on %s:%s; nothing to do%n", rolloutId,
                        released.functionName(), released.alias());
                return ExitCodes.OK;
            }
            out.printf("released the lock of rollout %s on %s:%s (it was %s); a new rollout may start there%n"
                            + "  every region's alias verified: %s%n  ledger #%d %s: %s%n",
                    rolloutId, released.functionName(), released.alias(), state.status(), String.join(", ", plan.regions()),
                    entry.sequence(), entry.type(), entry.reason());
            return ExitCodes.OK;
        }
    }

    /**
     * The execution that took the lock (recorded in the state), else the one named after the rollout: its input is the
     * rollout's plan, which release and revert need to know the regions.
     */
    static Execution owningExecution(RolloutState state, StepFunctionsRolloutExecutions executions, String command) {
        String owner = state.ownerExecutionArn() != null ? state.ownerExecutionArn()
                : executions.executionArn(state.rolloutId());
        return executions.describeByArn(owner).orElseThrow(() -> new UsageProblem("refused: no execution " + owner
                + "; " + command + " needs the rollout's plan from that execution's input to know its regions"));
    }

    private RolloutState release(WeightShifter shifter, RolloutRequest plan, Step step) {
        try {
            return shifter.release(plan, "operator release by " + OperatorSettings.operatorName(by, env) + ": " + reason,
                    step);
        } catch (LockKeptException kept) {
            throw new UsageProblem("refused, " + kept.getMessage() + " (recorded in the ledger)");
        } catch (LateRaiseWindowException tooSoon) {
            throw new UsageProblem("refused, nothing changed: " + tooSoon.getMessage() + "; run ./canary release "
                    + rolloutId + " again then");
        } catch (CanaryStillRoutedException routed) {
            throw new UsageProblem("refused: " + routed.getMessage() + ". Its execution has ended without rolling"
                    + " back, and release does not roll back an ACTIVE rollout: roll the canary back first (invoke the"
                    + " weight shifter with action rollback and this rollout's start input, as in"
                    + " events/weight-shifter/rollback.json), then run ./canary release " + rolloutId + " again");
        } catch (IllegalStateException refused) {
            throw new UsageProblem("refused: " + refused.getMessage());
        } catch (RolloutStore.ConcurrentUpdateException busy) {
            throw new OperatorException("could not release rollout " + rolloutId + " (" + busy.getMessage()
                    + "); others kept writing its state, nothing was released: try again", busy);
        }
    }
}
