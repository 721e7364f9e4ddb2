package dev.ragcanary.core.rollout;

import java.util.List;
import java.util.Optional;

/** The default seven-stage ladder (docs/design.md "Stages"). A start input may replace it. */
public final class StageLadder {
    public static final int BUCKETS = 10_000;

    public static final List<Stage> DEFAULT = List.of(
            new Stage("shadow", 0.00, 900, HardStop.SHADOW_DRIFT),
            new Stage("one", 0.01, 1800, HardStop.LATENCY_OR_NEW_FAILURE),
            new Stage("five", 0.05, 1800, HardStop.TOPIC_COVERAGE),
            new Stage("ten", 0.10, 1800, HardStop.REGION_INDEX_PARITY),
            new Stage("twentyfive", 0.25, 1800, HardStop.CACHE_COLLISION),
            new Stage("fifty", 0.50, 1800, HardStop.PARAPHRASE_FLIPS),
            new Stage("full", 1.00, 0, HardStop.NONE));

    /** Stage ten is where the second region joins: from here on weights apply to every listed region. */
    public static final double ALL_REGIONS_FROM_WEIGHT = 0.10;

    private StageLadder() {
    }

    public static Optional<Stage> defaultStage(String name) {
        return DEFAULT.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
