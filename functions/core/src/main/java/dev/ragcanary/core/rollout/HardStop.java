package dev.ragcanary.core.rollout;

/** The extra stop rule a stage adds on top of the core acceptance rules (docs/design.md stage table). */
public enum HardStop {
    /** shadow: canary ΔS median at or above the shadow limit, or any response schema violation. */
    SHADOW_DRIFT,
    /** one: canary p95 warm over the latency limit, or a failure class the control does not have. */
    LATENCY_OR_NEW_FAILURE,
    /** five: mean coverage below the limit on any probe topic. */
    TOPIC_COVERAGE,
    /** ten: INDEX_HASH, metric or analyzer differ between regions. */
    REGION_INDEX_PARITY,
    /** twentyfive: a cache invalidation of control and canary collided. */
    CACHE_COLLISION,
    /** fifty: λ flips on more than the allowed paraphrases of any gold question. */
    PARAPHRASE_FLIPS,
    /** full: promotion itself; nothing beyond the core rules. */
    NONE
}
