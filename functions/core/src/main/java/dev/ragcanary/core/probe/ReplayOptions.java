package dev.ragcanary.core.probe;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * How a replay calls the target, and how many pages (invocations of the replay function) it may take.
 *
 * @param concurrency  calls in flight at once
 * @param callTimeout  longest wait for one call; a slower call counts as an error (failure class {@code timeout})
 * @param maxAttempts  tries per call when the target throttles (other failures are never retried)
 * @param backoff      wait before the first retry; doubles on each further retry
 * @param maxPages     pages one replay may take before the gate gets what was measured, marked incomplete
 */
public record ReplayOptions(int concurrency, @JsonIgnore Duration callTimeout, int maxAttempts, @JsonIgnore Duration backoff,
                            int maxPages) {
    public static final int MAX_ATTEMPTS_LIMIT = 10;
    /**
     * Three pages of 900 s: 2,400 calls that all run into the 10 s timeout (with every throttling backoff) take
     * 2,400 × 11.4 s / 16 ≈ 1,710 s of calls, two pages of work; the third is headroom for the embedder and retries.
     */
    public static final ReplayOptions DEFAULTS = new ReplayOptions(16, Duration.ofSeconds(10), 4, Duration.ofMillis(200), 3);

    public ReplayOptions {
        if (concurrency < 1 || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT || callTimeout.isNegative()
                || callTimeout.isZero() || backoff.isNegative() || maxPages < 1) {
            throw new IllegalArgumentException("replay options need concurrency >= 1, maxAttempts from 1 to "
                    + MAX_ATTEMPTS_LIMIT + ", a positive timeout, a non-negative backoff and maxPages >= 1: " + concurrency
                    + ", " + maxAttempts + ", " + callTimeout + ", " + backoff + ", " + maxPages);
        }
    }

    /** Durations are written as milliseconds in evidence. */
    @JsonProperty("callTimeoutMs")
    public long callTimeoutMs() {
        return callTimeout.toMillis();
    }

    @JsonProperty("backoffMs")
    public long backoffMs() {
        return backoff.toMillis();
    }

    /** How long the retry after throttled attempt {@code attempt} (1-based) waits. */
    public Duration backoffAfter(int attempt) {
        return backoff.multipliedBy(1L << (attempt - 1));
    }

    /**
     * The longest one call can take once started: every throttled attempt's backoff and one attempt that runs into
     * the timeout (Lambda refuses a throttled Invoke at once, before the function runs).
     */
    public Duration longestCall() {
        Duration longest = callTimeout;
        for (int attempt = 1; attempt < maxAttempts; attempt++) {
            longest = longest.plus(backoffAfter(attempt));
        }
        return longest;
    }

    public ReplayOptions withConcurrency(int n) {
        return new ReplayOptions(n, callTimeout, maxAttempts, backoff, maxPages);
    }
}
