package dev.ragcanary.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionSimulationTest {
    /** A fifth of the default traffic keeps the test quick; the gate still has the seed's minimum samples at stage one. */
    private static final TrafficModel SMALL = TrafficModel.DEFAULT.withWindow("small", 400_000);
    private static final Stage ONE = StageLadder.defaultStage("one").orElseThrow();
    private static final List<DecisionSimulation.Row> ROWS = List.of(new DecisionSimulation.Row(ONE, Scenario.AA, SMALL),
            new DecisionSimulation.Row(ONE, Scenario.P95_PLUS_50, SMALL));

    @Test
    void theSameSeedGivesTheSameTableWhateverTheThreads() {
        List<String> progress = new ArrayList<>();
        List<DecisionSimulation.Cell> oneThread = new DecisionSimulation(Thresholds.DEFAULTS, 40, 7).run(ROWS, 1, progress::add);
        List<DecisionSimulation.Cell> twoThreads = new DecisionSimulation(Thresholds.DEFAULTS, 40, 7).run(ROWS, 2, s -> { });

        assertThat(twoThreads).isEqualTo(oneThread);
        assertThat(progress).hasSize(2).allSatisfy(line -> assertThat(line).contains("40 rollouts"));
        assertThat(DecisionSimulation.table(oneThread)).contains("| one (1%) | A/A (identical) | small |")
                .contains("| one (1%) | p95 +50% | small |");
    }

    @Test
    void aLiveLookCatchesALargeRegressionEarlyAndAHealthyCanaryWaitsForTheBakesEnd() {
        List<DecisionSimulation.Cell> cells = new DecisionSimulation(Thresholds.DEFAULTS, 60, 11).run(ROWS, 2, s -> { });
        DecisionSimulation.Cell aa = cells.get(0);
        DecisionSimulation.Cell slow = cells.get(1);

        assertThat(aa.promoted()).isGreaterThanOrEqualTo(0.95);
        // A live look never promotes: a healthy canary is promoted at a bake's end, 30 minutes, or 60 after one
        // extension: at this traffic (4,000 canary requests, 40 errors a bake) the error rate's confidence sequence
        // does not always rule out a doubling by the first bake's end.
        assertThat(aa.medianMinutes()).as("promotion needs the whole bake").isBetween(30.0, 60.0);
        assertThat(aa.p90Minutes()).as("at most one extension").isLessThanOrEqualTo(60.0);
        assertThat(slow.rolledBackByARule()).isEqualTo(1.0);
        assertThat(slow.medianMinutes()).as("a live look five minutes in").isEqualTo(5.0);
        assertThat(slow.fixedRequests()).isEqualTo(4_000);
    }
}
