package dev.ragcanary.cli.rehearse;

import dev.ragcanary.cli.rehearse.RehearsalReport.Rule;
import dev.ragcanary.cli.rehearse.RehearsalReport.StageRun;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.local.RolloutOutcome;
import dev.ragcanary.local.fleet.Scenario;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How a rehearsal ended, as a person first reads it: one short headline (for a rollback the deciding rule, its
 * observed value and its limit) and the details under it (every deciding rule, the gate's whole reason, what the
 * cleanup left), each in full.
 *
 * @param headline one line of at most {@link #MAX_HEADLINE} characters
 * @param details  lines shown under the headline
 */
public record Banner(String headline, List<String> details) {
    static final int MAX_HEADLINE = 200;
    /** Longest observed value quoted in the headline (an index fingerprint per region can be long); details quote it whole. */
    private static final int MAX_OBSERVED = 40;

    public Banner {
        headline = shorten(headline.replaceAll("\\s+", " ").strip(), MAX_HEADLINE);
        details = List.copyOf(details);
    }

    static Banner of(String finalStatus, List<StageRun> runs, RolloutOutcome outcome, Scenario scenario, String canaryVersion) {
        if ("PROMOTED".equals(finalStatus)) {
            return new Banner("promoted to 100 % after " + runs.size() + " stage runs; every rule held at every stage", List.of());
        }
        if ("ABORTED".equals(outcome.execution().status())) {
            return new Banner("stopped at stage " + outcome.lastStageRun() + " ("
                    + (scenario.abort() == null ? "execution stopped" : scenario.abort().reason()) + ")",
                    List.of("cleanup: canary weight " + ReportHtml.percent(outcome.canaryWeightLeft(canaryVersion))
                            + " in every region, lock " + Rehearsal.lockAfter(outcome)
                            + ", ledger ends " + outcome.ledger().stream().skip(Math.max(0, outcome.ledger().size() - 2))
                            .map(LedgerEntry::type).map(Enum::name).collect(Collectors.joining(" then "))));
        }
        for (int i = runs.size() - 1; i >= 0; i--) {
            StageRun run = runs.get(i);
            if ("ROLLBACK".equals(run.decision()) || "EXTEND".equals(run.decision()) && i == runs.size() - 1) {
                return rolledBack(run);
            }
        }
        String cause = outcome.execution().cause();
        return new Banner("ended " + outcome.execution().status(), cause == null ? List.of() : List.of(cause));
    }

    /** What a rehearsal stopped by a signal knew: the stage runs seen so far. */
    static Banner interrupted(List<StageRun> runs) {
        return new Banner("interrupted" + (runs.isEmpty() ? " before the first stage ran"
                        : " during stage " + runs.get(runs.size() - 1).stage() + " after " + runs.size() + " stage runs"),
                List.of("the rehearsal was stopped (SIGTERM or Ctrl-C): this report holds what was known then; the rollout"
                        + " did not finish, so there is no ledger and no final alias or lock"));
    }

    /**
     * The deciding rule leads: the first failed hard stop, else the first failed rule; when none failed the gate ran
     * out of extensions and the first rule short of evidence leads, after the gate's words for that.
     */
    static Banner rolledBack(StageRun run) {
        List<Rule> failed = run.failedRules().stream().sorted(Comparator.comparing(rule -> !rule.hardStop())).toList();
        List<Rule> deciding = failed.isEmpty()
                ? run.rules().stream().filter(r -> "INSUFFICIENT".equals(r.outcome()))
                .sorted(Comparator.comparing(rule -> "-".equals(rule.observed()))).toList()
                : failed;
        String reason = run.reason() == null ? "" : run.reason();
        StringBuilder headline = new StringBuilder("rolled back at stage ").append(run.stage()).append(": ");
        if (failed.isEmpty()) {
            int colon = reason.indexOf(": ");
            headline.append(colon < 0 ? reason : reason.substring(0, colon));
            if (!deciding.isEmpty()) {
                headline.append(": ");
            }
        }
        if (!deciding.isEmpty()) {
            Rule lead = deciding.get(0);
            headline.append(lead.rule()).append(observed(shorten(lead.observed(), MAX_OBSERVED))).append(", limit ")
                    .append(lead.comparator()).append(' ').append(lead.limit());
            if (deciding.size() > 1) {
                headline.append(" (+").append(deciding.size() - 1).append(" more: ").append(deciding.stream().skip(1)
                        .map(Rule::rule).collect(Collectors.joining(", "))).append(')');
            }
        }
        List<String> details = new ArrayList<>();
        for (Rule rule : deciding) {
            details.add(rule.outcome() + " " + rule.rule() + observed(rule.observed()) + ", limit " + rule.comparator() + " "
                    + rule.limit() + (rule.hardStop() ? " (hard stop)" : "") + (rule.note() == null ? "" : ": " + rule.note()));
        }
        if (!reason.isEmpty()) {
            details.add("gate: " + reason);
        }
        return new Banner(headline.toString(), details);
    }

    /** " observed 1.387", or " not measured" when the gate had no value (never "observed null"). */
    private static String observed(String value) {
        return value == null || value.isEmpty() || "-".equals(value) || "null".equals(value) ? " not measured"
                : " observed " + value;
    }

    private static String shorten(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }
}
