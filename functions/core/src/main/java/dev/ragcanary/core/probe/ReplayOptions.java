package dev.ragcanary.core.probe;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * How a replay calls the target.
 *
 * @param concurrency  calls in flight at once
 * @param callTimeout  longest wait for one call; a slower call counts as an error (failure class {@code timeout})
 * @param maxAttempts  tries per call when the target throttles (other failures are never retried)
 * @param backoff      wait before the first retry; doubles on each further retry
 */
public record ReplayOptions(int concurrency, @JsonIgnore Duration callTimeout, int maxAttempts, @JsonIgnore Duration backoff) {
    public static final ReplayOptions DEFAULTS = new ReplayOptions(16, Duration.ofSeconds(10), 4, Duration.ofMillis(200));

    public ReplayOptions {
        if (concurrency < 1 || maxAttempts < 1 || callTimeout.isNegative() || callTimeout.isZero() || backoff.isNegative()) {
            throw new IllegalArgumentException("replay options need concurrency >= 1, maxAttempts >= 1, a positive timeout"
                    + " and a non-negative backoff: " + concurrency + ", " + maxAttempts + ", " + callTimeout + ", " + backoff);
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

    public ReplayOptions withConcurrency(int n) {
        return new ReplayOptions(n, callTimeout, maxAttempts, backoff);
    }
}
