package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.cli.outcome.ExitCodes;
import org.junit.jupiter.api.Test;

class BenchDecisionsCommandTest {

    @Test
    void printsOneRowPerStageAndScenarioWithProgressOnStderr() {
        CliRun run = CliRun.of("bench", "decisions", "--rollouts", "4", "--threads", "1", "--seed", "3");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("| stage | truth | rolled back: statistical | rolled back: fixed window |");
        assertThat(run.out().lines().filter(l -> l.startsWith("| one (1%) ") || l.startsWith("| five (5%) "))).hasSize(12);
        assertThat(run.out()).contains("seed 3, 4 rollouts per row");
        assertThat(run.err().lines().filter(l -> l.startsWith("stage "))).hasSize(12);
    }

    @Test
    void refusesZeroRollouts() {
        CliRun run = CliRun.of("bench", "decisions", "--rollouts", "0");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--rollouts and --threads must be at least 1");
    }
}
