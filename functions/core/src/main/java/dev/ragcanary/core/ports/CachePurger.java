package dev.ragcanary.core.ports;

import java.time.Instant;
import java.util.List;

/**
 * Removes cached answers written under one key prefix (the canary's after a rollback, the control's after a promotion),
 * a page at a time: a large cache is purged over several calls, each bounded by a deadline, each resuming where the
 * last one stopped.
 */
public interface CachePurger {

    /**
     * Deletes cached entries whose key starts with {@code prefix}, from {@code resumeAfter} (null: the beginning) until
     * none are left or {@code deadline} has passed. Every call makes progress (at least one page) and is idempotent:
     * repeating a page whose reply was lost deletes nothing that should stay.
     */
    PurgePage purge(String prefix, String resumeAfter, Instant deadline);

    /**
     * @param removed     entries this call removed, or -1 when the cache does not say (a webhook)
     * @param resumeAfter where the next call starts; null when the purge is complete
     */
    record PurgePage(long removed, String resumeAfter) {
        public boolean complete() {
            return resumeAfter == null;
        }
    }

    /** Purges nothing; for deployments without an answer cache. */
    CachePurger NONE = (prefix, resumeAfter, deadline) -> new PurgePage(0, null);

    /**
     * Purges through each of {@code purgers} in turn, one page each, stopping at the first that is not complete; the
     * resume token names that purger ({@code <index>:<its token>}). The count is unknown (-1) if any of them does not say.
     */
    static CachePurger all(List<CachePurger> purgers) {
        return (prefix, resumeAfter, deadline) -> {
            int separator = resumeAfter == null ? -1 : resumeAfter.indexOf(':');
            int first = separator < 0 ? 0 : Integer.parseInt(resumeAfter.substring(0, separator));
            String token = separator < 0 ? null : resumeAfter.substring(separator + 1);
            long total = 0;
            for (int i = first; i < purgers.size(); i++) {
                PurgePage page = purgers.get(i).purge(prefix, i == first ? token : null, deadline);
                total = page.removed() < 0 || total < 0 ? -1 : total + page.removed();
                if (!page.complete()) {
                    return new PurgePage(total, i + ":" + page.resumeAfter());
                }
            }
            return new PurgePage(total, null);
        };
    }
}
