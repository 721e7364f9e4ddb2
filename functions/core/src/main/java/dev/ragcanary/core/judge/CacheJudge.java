package dev.ragcanary.core.judge;

/**
 * Cache hit ratio, canary against control, in percentage points: how far the canary's hit ratio is below the
 * control's. Each ratio gets a Wilson interval (half the look's budget each), so the drop's interval is
 * {@code [(low_k - high_c) * 100, (high_k - low_c) * 100]}. FAIL when it lies above the limit, PASS when below.
 */
public final class CacheJudge {
    private CacheJudge() {
    }

    public static Finding hitRatioDrop(long canaryHits, long canaryLookups, long controlHits, long controlLookups,
                                       double limitPoints, LookPlan plan) {
        double z = plan.z(2);
        Interval c = RateInterval.wilson(canaryHits, canaryLookups, z, plan.confidence());
        Interval k = RateInterval.wilson(controlHits, controlLookups, z, plan.confidence());
        double estimate = ((double) controlHits / controlLookups - (double) canaryHits / canaryLookups) * 100.0;
        Interval drop = new Interval((k.low() - c.high()) * 100.0, (k.high() - c.low()) * 100.0, plan.confidence());
        if (drop.above(limitPoints)) {
            return new Finding(Call.FAIL, estimate, drop, "hit-ratio drop interval lies above the limit");
        }
        if (drop.below(limitPoints)) {
            return new Finding(Call.PASS, estimate, drop, "hit-ratio drop interval lies below the limit");
        }
        return new Finding(Call.UNDECIDED, estimate, drop, "hit-ratio drop interval straddles the limit");
    }
}
