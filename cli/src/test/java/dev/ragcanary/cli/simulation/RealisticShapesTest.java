package dev.ragcanary.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Healthy canaries on the traffic production has (issue 16, defect 5): a rollback is a rollback to the team that
 * ships, so an identical canary must promote on every shape, whether the rules would fail it or run out of traffic.
 * The target: at most 2 % rolled back for any reason.
 */
class RealisticShapesTest {
    private static final Stage ONE = StageLadder.defaultStage("one").orElseThrow();
    private static final int ROLLOUTS = 100;

    @ParameterizedTest
    @EnumSource(value = LatencyShape.class, names = {"BIMODAL_95", "BIMODAL_63", "PARETO_1_5", "PARETO_1_2", "INTEGER_MS"})
    void anIdenticalCanaryPromotesOnEveryLatencyShape(LatencyShape shape) {
        assertPromoted(TrafficModel.DEFAULT.withShape(shape));
    }

    /**
     * Missed target, kept visible: with ~1,550 canary requests a bake (a few hundred warm samples per look) about 15 %
     * of identical canaries are still undecided after every extension and rolled back for lack of traffic (the bench's
     * "small canary" row; the old judge: 97 %). What must hold is that no rule fails them.
     */
    @Test
    void anIdenticalCanaryOfAFewHundredSamplesPerLookIsNeverFailedByARule() {
        DecisionSimulation.Cell cell = simulate(TrafficModel.DEFAULT.withWindow("small canary", 155_000));
        assertThat(cell.rolledBackByARule()).isLessThanOrEqualTo(0.01);
        assertThat(cell.rolledBackNotEnoughTraffic()).as("well below the old judge's 97 %").isLessThanOrEqualTo(0.25);
    }

    @Test
    void anIdenticalCanaryPromotesAtAZeroPointOnePercentErrorRate() {
        assertPromoted(TrafficModel.DEFAULT.withErrorRate(0.001));
    }

    private static void assertPromoted(TrafficModel model) {
        DecisionSimulation.Cell cell = simulate(model);
        assertThat(cell.rolledBack()).as("%s: rolled back by a rule %s, for lack of traffic %s", model.label(),
                cell.rolledBackByARule(), cell.rolledBackNotEnoughTraffic()).isLessThanOrEqualTo(0.02);
    }

    private static DecisionSimulation.Cell simulate(TrafficModel model) {
        return new DecisionSimulation(Thresholds.DEFAULTS, ROLLOUTS, 16)
                .run(List.of(new DecisionSimulation.Row(ONE, Scenario.AA, model)), 2, line -> { }).get(0);
    }
}
