package dev.ragcanary.core.judge;

import java.util.List;
import java.util.Map;

/**
 * Failure classes on the canary that the control never shows. One occurrence may be a fluke; {@code minCount}
 * occurrences while the control served at least as many requests (so it had the chance to show the class too) is a
 * new failure mode. FAIL then; PASS once the canary has served {@code minRequests} with no new class at all;
 * UNDECIDED otherwise.
 */
public final class FailureClassJudge {
    private FailureClassJudge() {
    }

    public static Finding newClasses(Map<String, Long> canary, Map<String, Long> control, long canaryRequests,
                                     long controlRequests, int minCount, long minRequests) {
        List<String> fresh = canary.entrySet().stream()
                .filter(e -> e.getValue() > 0 && control.getOrDefault(e.getKey(), 0L) == 0)
                .map(Map.Entry::getKey).sorted().toList();
        List<String> confirmed = fresh.stream().filter(k -> canary.get(k) >= minCount).toList();
        if (!confirmed.isEmpty() && controlRequests >= canaryRequests) {
            return new Finding(Call.FAIL, confirmed.size(), null, "new: " + describe(confirmed, canary));
        }
        if (!fresh.isEmpty()) {
            return new Finding(Call.UNDECIDED, confirmed.size(), null, "seen on the canary only: " + describe(fresh, canary)
                    + (confirmed.isEmpty() ? "; fails at " + minCount + " occurrences"
                    : "; the control has served fewer requests than the canary"));
        }
        if (canaryRequests < minRequests) {
            return new Finding(Call.UNDECIDED, 0, null, "needs " + minRequests + " canary requests to say none appeared");
        }
        return new Finding(Call.PASS, 0, null, null);
    }

    private static String describe(List<String> classes, Map<String, Long> counts) {
        return String.join(", ", classes.stream().limit(5).map(k -> k + " x" + counts.get(k)).toList())
                + (classes.size() > 5 ? ", +" + (classes.size() - 5) + " more" : "");
    }
}
