package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.cli.outcome.ExitCodes;
import org.junit.jupiter.api.Test;

class BenchDecisionsCommandTest {

    @Test
    void printsOneRowPerStageTruthAndTrafficWithProgressOnStderr() {
        CliRun run = CliRun.of("bench", "decisions", "--rollouts", "2", "--threads", "1", "--seed", "3");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("| stage | truth | traffic | rolled back: failing rule | rolled back: not enough traffic |");
        int rows = BenchDecisionsCommand.rows().size();
        assertThat(run.out().lines().filter(l -> l.matches("\\| (one|five|fifty) .*"))).hasSize(rows);
        assertThat(run.out()).contains("| fifty (50%) | errors +50% |").contains("| one (1%) | A/A (identical) | bimodal, 95% cache hits |");
        assertThat(run.out()).contains("seed 3, 2 rollouts per row");
        assertThat(run.err().lines().filter(l -> l.startsWith("stage "))).hasSize(rows);
    }

    @Test
    void jsonPrintsTheSameRowsAsObjects() throws Exception {
        CliRun run = CliRun.of("bench", "decisions", "--rollouts", "2", "--threads", "1", "--seed", "3", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out());
        assertThat(rows).hasSize(BenchDecisionsCommand.rows().size());
        assertThat(rows.get(0).fieldNames()).toIterable().contains("stage", "truth", "traffic", "rolledBackByARule",
                "rolledBackNotEnoughTraffic", "promoted", "extendedToTheEnd", "medianRequests", "p90Requests",
                "medianMinutes", "p90Minutes", "fixedWindowRequests", "fixedWindowRolledBack");
    }

    @Test
    void refusesZeroRollouts() {
        CliRun run = CliRun.of("bench", "decisions", "--rollouts", "0");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--rollouts and --threads must be at least 1");
    }
}
