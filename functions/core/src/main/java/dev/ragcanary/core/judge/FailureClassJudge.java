package dev.ragcanary.core.judge;

import java.util.List;
import java.util.Map;

/**
 * Failure classes on the canary that the control never shows, judged by an exact test conditional on the traffic split.
 * Under the null that both versions show a class equally often per request, each of its occurrences lands on the canary
 * with probability {@code w}, the canary's share of requests; all {@code a} of them landing there has probability
 * {@code w^a}. FAIL when that is at most the rule's one-sided alpha (and the class reached {@code minCount}), so the
 * canary count needed grows with the weight: 3 at 1 % traffic, 7 at fifty percent, where a rare class both versions
 * share shows up on the canary only, 3 times, one time in eight. The test is anytime-valid as it is: a class fails at
 * some look only if its first {@code a} occurrences all landed on the canary (one on the control ends it), an event of
 * probability {@code w^a} however often the gate looks, so the whole one-sided budget is spent once. PASS once the canary
 * has served {@code minRequests} with no new class at all; UNDECIDED otherwise.
 */
public final class FailureClassJudge {
    private FailureClassJudge() {
    }

    public static Finding newClasses(Map<String, Long> canary, Map<String, Long> control, long canaryRequests,
                                     long controlRequests, int minCount, long minRequests, LookPlan plan) {
        List<String> fresh = canary.entrySet().stream()
                .filter(e -> e.getValue() > 0 && control.getOrDefault(e.getKey(), 0L) == 0)
                .map(Map.Entry::getKey).sorted().toList();
        long needed = occurrencesNeeded(canaryRequests, controlRequests, minCount, plan.anytimeAlpha(1));
        List<String> confirmed = fresh.stream().filter(k -> canary.get(k) >= needed).toList();
        if (!confirmed.isEmpty()) {
            return new Finding(Call.FAIL, confirmed.size(), null, "new: " + describe(confirmed, canary)
                    + "; " + needed + " or more on the canary only is improbable at this traffic split");
        }
        if (!fresh.isEmpty()) {
            return new Finding(Call.UNDECIDED, 0, null, "seen on the canary only: " + describe(fresh, canary)
                    + "; fails at " + (needed == Long.MAX_VALUE ? "no count (the control served no requests)"
                    : needed + " occurrences at this traffic split"));
        }
        if (canaryRequests < minRequests) {
            return new Finding(Call.UNDECIDED, 0, null, "needs " + minRequests + " canary requests to say none appeared");
        }
        return new Finding(Call.PASS, 0, null, null);
    }

    /** Smallest {@code a >= minCount} with {@code w^a <= alpha}, w the canary's share of requests. */
    static long occurrencesNeeded(long canaryRequests, long controlRequests, int minCount, double alpha) {
        if (controlRequests <= 0) {
            return Long.MAX_VALUE;
        }
        double share = (double) canaryRequests / (canaryRequests + controlRequests);
        long needed = minCount;
        while (Math.pow(share, needed) > alpha) {
            needed++;
        }
        return needed;
    }

    private static String describe(List<String> classes, Map<String, Long> counts) {
        return String.join(", ", classes.stream().limit(5).map(k -> k + " x" + counts.get(k)).toList())
                + (classes.size() > 5 ? ", +" + (classes.size() - 5) + " more" : "");
    }
}
