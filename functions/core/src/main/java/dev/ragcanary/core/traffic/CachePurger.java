package dev.ragcanary.core.traffic;

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
}
