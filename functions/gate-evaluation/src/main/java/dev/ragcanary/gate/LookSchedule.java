package dev.ragcanary.gate;

import java.time.Duration;
import java.time.Instant;

/**
 * When a live look falls in its bake and what the stage machine waits next, from the bake's start and the look's own
 * entered time ({@code $$.State.EnteredTime}, the same for every retry of the look, so a retried look answers the same
 * timing). Looks are due every {@code intervalSeconds} from the bake's start; seconds are rounded up, so a wait never
 * ends the bake early, and never negative.
 *
 * @param look        which look of this bake this is (1 at the first interval)
 * @param waitSeconds until the next look is due, or until the bake's end when no look is due before it
 * @param restSeconds until the bake's end (0 once it is over)
 * @param bakeOver    no further look is due before the bake's end: wait {@code restSeconds}, then the probes and the gate
 */
public record LookSchedule(int look, long waitSeconds, long restSeconds, boolean bakeOver) {

    public static LookSchedule at(Instant bakeStart, Instant lookTime, long bakeSeconds, long intervalSeconds) {
        long elapsedMs = Math.max(0, Duration.between(bakeStart, lookTime).toMillis());
        long intervalMs = intervalSeconds * 1000;
        long bakeMs = bakeSeconds * 1000;
        long looksDue = elapsedMs / intervalMs;
        long nextLookMs = (looksDue + 1) * intervalMs;
        boolean bakeOver = nextLookMs >= bakeMs;
        long restSeconds = secondsUp(bakeMs - elapsedMs);
        return new LookSchedule((int) Math.max(1, looksDue), bakeOver ? restSeconds : secondsUp(nextLookMs - elapsedMs),
                restSeconds, bakeOver);
    }

    private static long secondsUp(long millis) {
        return Math.max(0, -Math.floorDiv(-millis, 1000L));
    }
}
