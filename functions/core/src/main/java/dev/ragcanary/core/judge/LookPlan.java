package dev.ragcanary.core.judge;

/**
 * How a stage's error budget is spent over its looks. Two kinds of rule share it:
 *
 * <ul>
 *   <li><b>Anytime-valid rules</b> (error rates, the p95 exceedance share, new failure classes) are judged on
 *   confidence sequences or on an event whose probability does not grow with the looks; they spend the whole budget
 *   once ({@link #anytimeAlpha(int)}) and stay valid however many looks the stage takes: the live looks every
 *   {@code lookIntervalSeconds}, the bake's end, a look repeated after a lost response.</li>
 *   <li><b>Rank rules</b> (the median shift, the cache hit ratio) have fixed-sample intervals, so they use <b>alpha
 *   spending with a Bonferroni (equal, Pocock-like) split</b> over the most looks the stage can take,
 *   {@code plannedLooks}: the looks of one bake ({@code ceil(bakeSeconds / lookIntervalSeconds)}) times the bakes
 *   ({@code maxExtensions + 1}). By the union bound the chance that any of them misses is at most
 *   {@code 1 - confidence} however the looks are correlated. An equal split rather than an O'Brien-Fleming shape
 *   because the point is to decide early.</li>
 * </ul>
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

    /** The most looks a stage can take: every look of every bake, the stage's own and its extensions'. */
    public static int plannedLooks(double canaryWeight, int maxExtensions, long bakeSeconds, long lookIntervalSeconds) {
        return (int) Math.min(Integer.MAX_VALUE,
                (maxExtensions + 1L) * looksPerBake(canaryWeight, bakeSeconds, lookIntervalSeconds));
    }

    /**
     * Looks in one bake: one every {@code lookIntervalSeconds}, the last at the bake's end. The stage machine takes live
     * looks only while the canary has weight, so a stage at weight 0 (shadow) looks once, at the bake's end.
     */
    public static long looksPerBake(double canaryWeight, long bakeSeconds, long lookIntervalSeconds) {
        return canaryWeight == 0.0 ? 1 : Math.max(1, (bakeSeconds + lookIntervalSeconds - 1) / lookIntervalSeconds);
    }

    /**
     * Miss probability of each of a rule's {@code parts} confidence sequences: the rule's one-sided budget
     * {@code (1 - confidence) / 2}, spent once for every look. A sequence's two sides need not miss equally often,
     * so each is held to the whole share, and a rule falsely fails (or falsely passes) with probability at most
     * {@code (1 - confidence) / 2}.
     */
    public double anytimeAlpha(int parts) {
        return (1 - confidence) / 2 / parts;
    }
}
