package dev.ragcanary.local.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.local.LocalRunner;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.faults.SafetyInvariants.End;
import dev.ragcanary.testsupport.Dynalite;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each flow of the fault matrix, with no fault, ends the way it is meant to and passes the safety invariants. */
class MatrixRolloutTest {
    private static final ProjectLayout LAYOUT = ProjectLayout.find();
    private static Dynalite dynalite;
    private static LocalRunner runner;

    @BeforeAll
    static void start() {
        dynalite = Dynalite.start();
        runner = LocalRunner.start(LAYOUT);
    }

    @AfterAll
    static void stop() {
        runner.close();
        dynalite.close();
    }

    @Test
    void everyFlowEndsAsDesignedAndSafe() {
        Map<String, End> expected = Map.ofEntries(
                Map.entry("healthy", End.PROMOTED),
                Map.entry("reverted after the promotion", End.ROLLED_BACK),
                Map.entry("gate rolls back at ten", End.ROLLED_BACK),
                Map.entry("stage one bakes again", End.PROMOTED),
                Map.entry("stage one held, released", End.PROMOTED),
                Map.entry("stage one held, stopped", End.ROLLED_BACK),
                Map.entry("stage approval refused", End.ROLLED_BACK),
                Map.entry("promotion refused", End.ROLLED_BACK),
                Map.entry("same rollout started twice", End.PROMOTED),
                Map.entry("second rollout on the alias", End.PROMOTED),
                Map.entry("invalid start input", End.REFUSED));
        int n = 0;
        for (Flow flow : Flow.ALL) {
            long started = System.nanoTime();
            try (MatrixRollout rollout = new MatrixRollout(LAYOUT, dynalite, runner, "flow" + (++n), flow)) {
                MatrixRollout.Result result = rollout.run();
                System.out.printf("FLOW %-28s %-12s %5d ms, %3d points, %3d states%n", flow.name(),
                        result.verdict().end(), (System.nanoTime() - started) / 1_000_000,
                        rollout.faults.recorded().size(), rollout.primaryStates.size() + rollout.secondStates.size());
                assertThat(result.verdict().violations()).as(flow.name()).isEmpty();
                assertThat(result.verdict().end()).as(flow.name()).isEqualTo(expected.get(flow.name()));
            }
        }
    }
}
