package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.faults.FaultMatrix;
import dev.ragcanary.local.faults.FaultReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "faults", mixinStandardHelpOptions = true, description = {
        "Prove the safety promise on this machine: every control-plane call the controller makes, at every point of a",
        "rollout where it happens, failing transiently, permanently, or after taking effect with its reply lost; a",
        "stop on entry to every state of both state machines; and the races that once broke it. Each case is a whole",
        "rollout on the real state machines and handlers; after each, the alias, the state, the lock and the ledger",
        "must agree on promoted or rolled back. Progress goes to stderr.",
        "Exit 0 when every case is safe, 1 when any is not."})
public final class FaultsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print {\"cases\", \"safe\", \"unsafe\", \"notReached\", \"rows\": [...]} instead of the table")
    boolean json;

    @Option(names = "--lanes", paramLabel = "N", description = "cases run at once (default: ${DEFAULT-VALUE})")
    int lanes = 3;

    @Override
    public Integer call() {
        if (lanes < 1) {
            throw new UsageProblem("--lanes must be at least 1 but was " + lanes);
        }
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        FaultReport report = new FaultReport(new FaultMatrix(ProjectLayout.find(), lanes).run((done, total, row) -> {
            if (done % 25 == 0 || done == total || !row.safe()) {
                err.printf("faults: %d/%d cases%s%n", done, total, row.safe() ? "" : " (UNSAFE: " + row.label() + ")");
                err.flush();
            }
        }));
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? Json.pretty(report.json()) + "\n" : report.table());
        if (!json) {
            out.printf("in %d s%n", (System.nanoTime() - started) / 1_000_000_000);
        }
        out.flush();
        return report.unsafe() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
