package dev.ragcanary.egress;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/** POSTs one event to a partner with the library's retries; the only place an event leaves the function. */
final class PartnerPoster {
    static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

    /** What a post came to: attempts made, the last answer's class, when it ended. */
    record Delivery(int tries, boolean success, String statusClass, Instant endedAt) {
    }

    private final HttpClient http;
    private final RetryPolicy policy;
    private final Clock clock;

    PartnerPoster(HttpClient http, RetryPolicy policy, Clock clock) {
        this.http = http;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * Posts until accepted, refused (4xx), out of attempts, or out of lease: an attempt that could end after the
     * lease's post deadline is not started, since soon after it the owner's retry may take the claim over.
     */
    Delivery post(Webhook webhook, DedupeKey key, byte[] body, Instant leaseUntil) {
        Instant deadline = policy.postDeadline(leaseUntil);
        HttpRequest request = HttpRequest.newBuilder(webhook.url())
                .timeout(policy.timeout())
                .header("content-type", "application/json")
                .header(IDEMPOTENCY_HEADER, key.hex())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        int tries = 0;
        String statusClass = Emission.NO_STATUS;
        while (tries < policy.maxTries()) {
            if (tries > 0 && !pause(policy.backoffBefore(tries + 1))) {
                break;
            }
            if (clock.instant().plus(policy.timeout()).isAfter(deadline)) {
                break;
            }
            tries++;
            statusClass = attempt(request);
            if (!retryable(statusClass)) {
                break;
            }
        }
        return new Delivery(tries, "2xx".equals(statusClass), statusClass, clock.instant());
    }

    private String attempt(HttpRequest request) {
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status >= 200 && status < 300 ? "2xx" : status >= 500 ? "5xx" : "4xx";
        } catch (HttpTimeoutException slow) {
            return "timeout";
        } catch (IOException unreachable) {
            return "network";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "network";
        }
    }

    private static boolean retryable(String statusClass) {
        return statusClass.equals("5xx") || statusClass.equals("timeout")
                || statusClass.equals("network") && !Thread.currentThread().isInterrupted();
    }

    /** Waits between a half and all of {@code longest}; false when interrupted. */
    private static boolean pause(Duration longest) {
        long millis = longest.toMillis();
        try {
            Thread.sleep(millis - ThreadLocalRandom.current().nextLong(millis / 2 + 1));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
