package dev.ragcanary.core.probe;

/**
 * Where a replay that ran out of time goes on: the next page reads what the earlier pages measured from the evidence
 * store under {@code evidenceKey} and measures only the rest. A retried page (same continuation) measures each call
 * at most once more, and each call counts once, since calls are merged by (variant, question, paraphrase, seed).
 *
 * @param evidenceKey the replay's detail in the evidence store, the same on every page
 * @param page        the page to run next, from 2
 */
public record ReplayContinuation(String evidenceKey, int page) {
}
