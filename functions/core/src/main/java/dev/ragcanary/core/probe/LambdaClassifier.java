package dev.ragcanary.core.probe;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** λ state of one (question, paraphrase) from its two seeds (docs/design.md "Definitions"), and flips between variants. */
public final class LambdaClassifier {
    /** Absorbs binary rounding so a difference of exactly the tolerance (e.g. 0.35 − 0.30) counts as within it. */
    private static final double EPSILON = 1e-9;

    private LambdaClassifier() {
    }

    /**
     * Chaotic if either seed failed; else divergent if the top sections differ or a ΔS exceeds {@code deltaSMax};
     * else recursive if the ΔS differ by more than {@code tolerance}; else convergent.
     */
    public static LambdaState classify(SeedOutcome first, SeedOutcome second, double tolerance, double deltaSMax) {
        if (first.failed() || second.failed()) {
            return LambdaState.CHAOTIC;
        }
        if (first.topSection() == null || !Objects.equals(first.topSection(), second.topSection())
                || first.deltaS() > deltaSMax + EPSILON || second.deltaS() > deltaSMax + EPSILON) {
            return LambdaState.DIVERGENT;
        }
        if (Math.abs(first.deltaS() - second.deltaS()) > tolerance + EPSILON) {
            return LambdaState.RECURSIVE;
        }
        return LambdaState.CONVERGENT;
    }

    /** A flip: a (question, paraphrase) whose canary state differs from its control state. */
    public record Flip(String questionId, int paraphrase, LambdaState control, LambdaState canary) {
    }

    /** Every flip, in question-id order of {@code canary}. */
    public static List<Flip> flips(Map<String, List<LambdaState>> control, Map<String, List<LambdaState>> canary) {
        return canary.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .flatMap(e -> {
                    List<LambdaState> base = control.getOrDefault(e.getKey(), List.of());
                    List<LambdaState> states = e.getValue();
                    return java.util.stream.IntStream.range(0, Math.min(base.size(), states.size()))
                            .filter(i -> base.get(i) != states.get(i))
                            .mapToObj(i -> new Flip(e.getKey(), i, base.get(i), states.get(i)));
                })
                .toList();
    }
}
