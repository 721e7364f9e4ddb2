package dev.ragcanary.core.traffic;

import java.util.List;

/** Removes cached answers written under one key prefix (the canary's on rollback, the control's after promotion). */
public interface CachePurger {

    /**
     * Deletes every cached entry whose key starts with {@code prefix}. Idempotent: purging twice is harmless.
     *
     * @return entries removed, or -1 when the cache does not say (a webhook)
     */
    long purge(String prefix);

    /** Purges nothing; for deployments without an answer cache. */
    CachePurger NONE = prefix -> 0;

    /** Purges through each of {@code purgers} in turn; the count is unknown (-1) if any of them does not say. */
    static CachePurger all(List<CachePurger> purgers) {
        return prefix -> {
            long total = 0;
            for (CachePurger purger : purgers) {
                long removed = purger.purge(prefix);
                total = removed < 0 || total < 0 ? -1 : total + removed;
            }
            return total;
        };
    }
}
