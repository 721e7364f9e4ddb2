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
    private static final TrafficModel SMALL = new TrafficModel(400_000, 4, 400, 0.5, 0.01, 0.97, 4_000);
    private static final List<Stage> ONE = List.of(StageLadder.defaultStage("one").orElseThrow());
    private static final List<Scenario> SCENARIOS = List.of(Scenario.STANDARD.get(0), Scenario.STANDARD.get(2));

    @Test
    void theSameSeedGivesTheSameTableWhateverTheThreads() {
        List<String> progress = new ArrayList<>();
        List<DecisionSimulation.Cell> oneThread = new DecisionSimulation(SMALL, Thresholds.DEFAULTS, 40, 7).run(ONE, SCENARIOS, 1, progress::add);
        List<DecisionSimulation.Cell> twoThreads = new DecisionSimulation(SMALL, Thresholds.DEFAULTS, 40, 7).run(ONE, SCENARIOS, 2, s -> { });

        assertThat(twoThreads).isEqualTo(oneThread);
        assertThat(progress).hasSize(2).allSatisfy(line -> assertThat(line).contains("40 rollouts"));
        assertThat(DecisionSimulation.table(oneThread)).contains("| one (1%) | A/A (identical) |").contains("| one (1%) | p95 +50% |");
    }

    @Test
    void theStatisticalGateCatchesALargeRegressionEarlierAndSparesHealthyCanaries() {
        List<DecisionSimulation.Cell> cells = new DecisionSimulation(SMALL, Thresholds.DEFAULTS, 60, 11).run(ONE, SCENARIOS, 2, s -> { });
        DecisionSimulation.Cell aa = cells.get(0);
        DecisionSimulation.Cell slow = cells.get(1);

        assertThat(aa.ours().rollbackRate()).isLessThanOrEqualTo(aa.fixed().rollbackRate());
        assertThat(slow.ours().rollbackRate()).isEqualTo(1.0);
        assertThat(slow.ours().medianRequests()).isLessThan(slow.fixed().medianRequests());
        assertThat(slow.fixed().medianRequests()).isEqualTo(4_000);
    }
}
