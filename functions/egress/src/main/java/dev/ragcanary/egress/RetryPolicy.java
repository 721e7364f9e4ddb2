package dev.ragcanary.egress;

import java.time.Duration;
import java.time.Instant;

/**
 * How the library retries one post to a partner: after a 5xx, a timeout or a network failure, up to {@code maxTries}
 * attempts in all, waiting {@code backoff * 2^(n-1)} (with up to half of it taken off at random) before attempt n+1.
 * 4xx answers are final. The whole budget bounds how long a claim is leased to its post (see {@link #lease()}).
 *
 * @param maxTries   attempts in all, 1-10
 * @param timeout    per attempt (connect + answer)
 * @param backoff    wait before the second attempt
 * @param maxBackoff cap on any one wait
 */
public record RetryPolicy(int maxTries, Duration timeout, Duration backoff, Duration maxBackoff) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofMillis(100),
            Duration.ofSeconds(1));

    public RetryPolicy {
        if (maxTries < 1 || maxTries > 10) {
            throw new IllegalArgumentException("maxTries must be between 1 and 10 but was " + maxTries);
        }
        requirePositive("timeout", timeout);
        requirePositive("backoff", backoff);
        requirePositive("maxBackoff", maxBackoff);
    }

    /** The longest wait before attempt {@code next} (2..maxTries). */
    Duration backoffBefore(int next) {
        long millis = backoff.toMillis() << Math.min(next - 2, 20);
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }

    /**
     * How long a claim is leased to its post: every attempt timing out after its longest wait, plus {@link #slack()}
     * for the claim's write and a slow start, plus another for recording the outcome ({@link #postDeadline}). The
     * owner's retry takes over an unfinished claim only after it.
     */
    public Duration lease() {
        Duration total = timeout.multipliedBy(maxTries).plus(slack().multipliedBy(2));
        for (int next = 2; next <= maxTries; next++) {
            total = total.plus(backoffBefore(next));
        }
        return total;
    }

    /** The last moment an attempt may end for a claim leased until {@code leaseUntil}. */
    Instant postDeadline(Instant leaseUntil) {
        return leaseUntil.minus(slack());
    }

    /** A timeout, and at least a second: a cold start's first DynamoDB write and HTTP connection fit in it. */
    private Duration slack() {
        return timeout.compareTo(Duration.ofSeconds(1)) > 0 ? timeout : Duration.ofSeconds(1);
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration but was " + value);
        }
    }
}
