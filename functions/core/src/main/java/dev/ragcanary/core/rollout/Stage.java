package dev.ragcanary.core.rollout;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One rung of the ladder.
 *
 * @param weight      canary share of traffic, 0..1 (0 = shadow, 1 = promoted)
 * @param bakeSeconds how long traffic runs at this weight before the gate judges it
 */
public record Stage(String name, double weight, long bakeSeconds, HardStop hardStop) {

    /** Weight as the bucket threshold used by sticky routing: canary iff bucket &lt; this. */
    @JsonIgnore
    public int bucketThreshold() {
        return (int) Math.round(weight * StageLadder.BUCKETS);
    }

    @JsonIgnore
    public boolean isShadow() {
        return weight == 0.0;
    }

    @JsonIgnore
    public boolean isFull() {
        return weight == 1.0;
    }
}
