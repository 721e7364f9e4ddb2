package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.lambda.LambdaAliasControl;
import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.ports.RolloutExecutions.Execution;
import dev.ragcanary.core.ports.RolloutExecutions.OperatorException;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LockKeptException;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.core.traffic.WeightShifter.RevertRefusedException;
import dev.ragcanary.core.traffic.WeightShifter;
import dev.ragcanary.shifter.DependencyFactory;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;

@Command(name = "revert", mixinStandardHelpOptions = true, description = {
        "Undo a promotion after the fact: put the alias back on the version the promotion replaced, in every region,"
                + " with one weight change each; bump the epoch so sticky users move together; purge the promoted"
                + " version's cache prefixes; record who and why in the ledger.",
        "Refused, with nothing changed, when another rollout has taken the alias since, the rollout was not promoted,"
                + " the promotion is older than --within-hours, the previous version is gone in a region, or a"
                + " region's alias no longer serves the promoted version alone.",
        "Exit 0 reverted, 2 refused or unknown rollout, 1 AWS call failed."})
public final class RevertCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.StateMachine machine;

    @Mixin
    OperatorSettings.Table rolloutsTable;

    @Parameters(paramLabel = "ROLLOUT", description = "rollout id")
    String rolloutId;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why; kept in the ledger")
    String reason;

    @Option(names = "--by", paramLabel = "NAME", description = "who reverts (default: $USER)")
    String by;

    @Option(names = "--within-hours", paramLabel = "HOURS", defaultValue = "168",
            description = "refuse a promotion older than this (default: ${DEFAULT-VALUE}, a week)")
    long withinHours;

    @Option(names = "--cache-table", paramLabel = "NAME",
            description = "the DynamoDB answer cache to purge (the stack's cacheTable)")
    String cacheTable;

    @Option(names = "--cache-purge-webhook", paramLabel = "URL",
            description = "the cache purge webhook to call (the stack's cachePurgeWebhook)")
    String cachePurgeWebhook;

    RevertCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        if (withinHours <= 0) {
            throw new UsageProblem("--within-hours must be a positive number of hours, not " + withinHours);
        }
        String table = rolloutsTable.table(env);
        String arn = machine.stateMachineArn(env);
        PrintWriter out = spec.commandLine().getOut();
        try (DynamoDbClient dynamo = OperatorSettings.dynamoDb(env);
             SfnClient sfn = OperatorSettings.stepFunctions(arn, env);
             OperatorSettings.LambdaClients lambdas = new OperatorSettings.LambdaClients(env)) {
            DynamoDbRolloutStore store = new DynamoDbRolloutStore(dynamo, table);
            DynamoDbLedger ledger = new DynamoDbLedger(dynamo, table);
            RolloutState state = new RolloutStateScan(dynamo, table).stateOf(rolloutId, store)
                    .orElseThrow(() -> new UsageProblem(ledger.entries(rolloutId).isEmpty()
                            ? "no rollout " + rolloutId + " in table " + table
                            : "refused: rollout " + rolloutId + " no longer holds its alias's state (another rollout"
                            + " has started there since); roll back or roll out the version you want instead"));
            if (state.status() == RolloutStatus.RELEASED && ledger.entries(rolloutId).stream()
                    .anyMatch(e -> e.type() == LedgerEntry.Type.REVERTED)) {
                out.printf("rollout %s was already reverted: the alias serves version %s; nothing to do%n", rolloutId,
                        state.controlVersion());
                return ExitCodes.OK;
            }
            Execution owner = ReleaseCommand.owningExecution(state, new StepFunctionsRolloutExecutions(sfn, arn),
                    "revert");
            if (owner.running()) {
                throw new UsageProblem("refused: rollout " + rolloutId + " is still driven by execution "
                        + owner.executionArn() + " (RUNNING); revert undoes a finished promotion");
            }
            RolloutRequest plan = RolloutRequestParser.parse(owner.input());
            LambdaAliasControl aliases = new LambdaAliasControl(lambdas::in);
            WeightShifter shifter = new WeightShifter(aliases, aliases, store, ledger,
                    new DependencyFactory(cacheSettings()).cachePurger(dynamo),
                    new DependencyFactory(env).edgePublisher(), Clock.systemUTC(),
                    WeightShifter.LATE_RAISE_WINDOW);
            // One token per rollout: running the command again finishes a revert that stopped half way (the
            // error says to).
            Step step = Step.first("cli/revert/" + rolloutId);
            RolloutState reverted = revert(shifter, plan, step);
            List<LedgerEntry> entries = ledger.entries(rolloutId);
            out.printf("reverted rollout %s on %s:%s: the alias serves version %s again in %s (epoch %d); lock released%n",
                    rolloutId, reverted.functionName(), reverted.alias(), reverted.controlVersion(),
                    String.join(", ", plan.regions()), reverted.epoch());
            entries.stream().filter(e -> e.token() != null && e.token().startsWith(step.token()))
                    .forEach(e -> out.printf("  ledger #%d %s: %s%n", e.sequence(), e.type(), e.reason()));
            if (cacheTable == null && cachePurgeWebhook == null) {
                out.printf("  no cache was given (--cache-table, --cache-purge-webhook): purge the prefixes %s and %s"
                        + " yourself if the function caches answers%n", reverted.canaryCachePrefix(),
                        plan.cachePrefixes().control());
            }
            return ExitCodes.OK;
        }
    }

    private Map<String, String> cacheSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        Optional.ofNullable(cacheTable).ifPresent(name -> settings.put("CACHE_TABLE", name));
        Optional.ofNullable(cachePurgeWebhook).ifPresent(url -> settings.put("CACHE_PURGE_WEBHOOK", url));
        return settings;
    }

    private RolloutState revert(WeightShifter shifter, RolloutRequest plan, Step step) {
        try {
            return shifter.revert(plan, "operator revert by " + OperatorSettings.operatorName(by, env) + ": " + reason,
                    Duration.ofHours(withinHours), step);
        } catch (RevertRefusedException refused) {
            throw new UsageProblem("refused, nothing changed: " + refused.getMessage());
        } catch (LockKeptException kept) {
            throw new UsageProblem("the revert is recorded but not finished: " + kept.getMessage());
        } catch (RolloutStore.RolloutLockedException | IllegalStateException refused) {
            throw new UsageProblem("refused: " + refused.getMessage());
        } catch (RolloutStore.ConcurrentUpdateException busy) {
            throw new OperatorException("could not revert rollout " + rolloutId + " (" + busy.getMessage()
                    + "); others kept writing its state: try again", busy);
        }
    }
}
