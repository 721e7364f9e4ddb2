package dev.ragcanary.core.judge;

/**
 * How a stage's error budget is spent over its looks: <b>alpha spending with a Bonferroni (equal, Pocock-like) split</b>.
 *
 * <p>The gate judges one stage at most {@code plannedLooks} times (the first bake plus each extension, so
 * {@code maxExtensions + 1}); every look builds its intervals at confidence {@code 1 - (1 - confidence) / plannedLooks}.
 * By the union bound, the probability that any look's interval misses the truth is at most {@code 1 - confidence}
 * however the looks are correlated, so "fail when the interval lies above the limit" keeps its false-rollback rate under
 * {@code (1 - confidence) / 2} even though the same stage is judged again and again.
 *
 * <p>Why this and not a confidence sequence: the gate's looks are few (4 by default) and their number is known before the
 * stage starts, the union bound needs no distributional assumption (so it composes with the exact, distribution-free
 * order-statistic and rank intervals used here), and for under ~20 looks it is narrower than mixture confidence
 * sequences, which pay for validity at every one of infinitely many looks. An equal split rather than an
 * O'Brien-Fleming-shaped one because the point is to decide early: an O'Brien-Fleming plan keeps almost all of its
 * budget for the last look.
 *
 * @param confidence   simultaneous two-sided confidence over all looks, e.g. 0.98 (Kayenta's default)
 * @param plannedLooks most looks the stage can take
 */
public record LookPlan(double confidence, int plannedLooks) {

    public LookPlan {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1): " + confidence);
        }
        if (plannedLooks < 1) {
            throw new IllegalArgumentException("plannedLooks must be at least 1: " + plannedLooks);
        }
    }

    /** Two-sided miss probability each look may spend. */
    public double alphaPerLook() {
        return (1 - confidence) / plannedLooks;
    }

    /** Two-sided miss probability of one of {@code parts} simultaneous intervals in a look (Bonferroni again). */
    double alpha(int parts) {
        return alphaPerLook() / parts;
    }

    /** z for one look's two-sided interval split over {@code parts} simultaneous intervals. */
    double z(int parts) {
        return Normal.twoSided(alpha(parts));
    }

    /**
     * Error budget of a one-sided test that can only fail (the new-failure-class rule): the half of a look's two-sided
     * budget that an interval spends on missing high, so its false-rollback rate stays under {@code (1 - confidence) / 2}.
     */
    public double oneSidedAlphaPerLook() {
        return alphaPerLook() / 2;
    }
}
