package dev.ragcanary.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LookScheduleTest {
    private static final Instant BAKE_START = Instant.parse("2025-08-27T06:00:00Z");

    @ParameterizedTest(name = "{0} ms into a 1800 s bake: look {1}, wait {2} s, rest {3} s, over {4}")
    @CsvSource({
            // The first look, a few milliseconds after its interval (the states before it took them).
            "300004, 1, 300, 1500, false",
            // A look whose Task took 40 s: the next one is still due on the schedule, not 300 s later.
            "640000, 2, 260, 1160, false",
            // The last look before the end: no further look is due, the rest is the bake's.
            "1500010, 5, 300, 300, true",
            // A look that took longer than the bake (retried until after its end): nothing left to wait.
            "1830000, 6, 0, 0, true",
            // A look entered before its first interval (a clock read early): no earlier than look 1, never negative.
            "0, 1, 300, 1800, false"})
    void waitsAreTheTimeToTheNextDueLookOrTheBakesEndRoundedUp(long elapsedMs, int look, long wait, long rest,
                                                                boolean over) {
        LookSchedule schedule = LookSchedule.at(BAKE_START, BAKE_START.plusMillis(elapsedMs), 1800, 300);

        assertThat(schedule).isEqualTo(new LookSchedule(look, wait, rest, over));
    }

    @Test
    void theWholeBakeIsWaitedWhateverTheLooksAndNoLookIsDueTwice() {
        Instant now = BAKE_START.plusSeconds(300).plusMillis(3);
        int lastLook = 0;
        while (true) {
            LookSchedule schedule = LookSchedule.at(BAKE_START, now, 3600, 300);
            assertThat(schedule.look()).isGreaterThan(lastLook);
            lastLook = schedule.look();
            // Each look's Task takes 7 s before the machine waits.
            now = now.plusSeconds(7);
            if (schedule.bakeOver()) {
                now = now.plusSeconds(schedule.restSeconds());
                break;
            }
            now = now.plusSeconds(schedule.waitSeconds() - 7).plusMillis(3);
        }
        assertThat(lastLook).as("every interval of the promotion window but its end").isEqualTo(11);
        assertThat(now).isAfterOrEqualTo(BAKE_START.plusSeconds(3600));
    }

    @Test
    void aLookAfterABakeStartingLaterThanTheStagesFirstCountsFromItsOwnBake() {
        Instant extensionStart = BAKE_START.plusSeconds(1850);

        assertThat(LookSchedule.at(extensionStart, extensionStart.plusSeconds(300), 1800, 300))
                .isEqualTo(new LookSchedule(1, 300, 1500, false));
    }
}
