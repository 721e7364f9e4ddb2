package dev.ragcanary.local.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.faults.SafetyInvariants.End;
import org.junit.jupiter.api.Test;

/**
 * The whole fault matrix (what {@code ./canary faults} runs): every case must end safe, and the matrix must be the
 * size it claims to be, so a change that silently drops cases fails here too.
 */
class FaultMatrixTest {

    @Test
    void everyFaultStopAndInterleavingEndsPromotedOrRolledBackWithAWholeLedger() {
        long started = System.nanoTime();
        FaultReport report = new FaultReport(new FaultMatrix(ProjectLayout.find(), 3).run((done, total, row) -> {
            if (done % 50 == 0 || done == total) {
                System.out.printf("faults: %d/%d cases%n", done, total);
            }
        }));
        System.out.print(report.table());
        System.out.printf("FAULT MATRIX: %d cases in %d s%n", report.cases(), (System.nanoTime() - started) / 1_000_000_000);

        assertThat(report.unsafe()).as(report.table()).isZero();
        assertThat(report.cases()).isGreaterThan(300);
        assertThat(report.notReached()).as("fault cases whose call never happened").isZero();
        assertThat(report.ends()).containsKeys(End.PROMOTED, End.ROLLED_BACK, End.REFUSED);
    }
}
