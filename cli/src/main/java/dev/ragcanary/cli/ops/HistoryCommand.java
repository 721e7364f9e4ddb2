package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import java.io.PrintWriter;
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

@Command(name = "history", mixinStandardHelpOptions = true, description = {
        "Print a rollout's ledger: every transition and note in order, with weight, epoch, reason, verdict rules and,"
                + " for a retried step, its attempt. --json adds each entry's client token.",
        "Exit 0, 2 no ledger for that rollout, 1 AWS call failed."})
public final class HistoryCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Mixin
    OperatorSettings.Table rolloutsTable;

    @Parameters(paramLabel = "ROLLOUT", description = "rollout id")
    String rolloutId;

    @Option(names = "--json", description = "print the entries as a JSON array")
    boolean json;

    HistoryCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        String table = rolloutsTable.table(env);
        List<LedgerEntry> entries;
        try (DynamoDbClient dynamo = OperatorSettings.dynamoDb(env)) {
            Optional<RolloutState> state = new RolloutStateScan(dynamo, table)
                    .stateOf(rolloutId, new DynamoDbRolloutStore(dynamo, table));
            entries = new DynamoDbLedger(dynamo, table).complete(rolloutId, state);
        }
        if (entries.isEmpty()) {
            throw new UsageProblem("no ledger entries for rollout " + rolloutId + " in table " + table);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.pretty(LedgerJson.of(entries)));
            return ExitCodes.OK;
        }
        out.printf("ledger of rollout %s (%d entries)%n", rolloutId, entries.size());
        out.printf("  %-4s %-24s %-15s %-10s %8s %5s  %s%n", "seq", "at", "type", "stage", "weight", "epoch", "reason");
        for (LedgerEntry entry : entries) {
            out.printf("  %-4d %-24s %-15s %-10s %7.2f%% %5d  %s%s%n", entry.sequence(), entry.at(), entry.type(),
                    entry.stage(), entry.weight() * 100, entry.epoch(), entry.reason() == null ? "" : entry.reason(),
                    entry.attempt() > 1 ? " (attempt " + entry.attempt() + ")" : "");
            VerdictText.rules(entry.detail()).forEach(line -> out.println("         " + line));
        }
        return ExitCodes.OK;
    }
}
