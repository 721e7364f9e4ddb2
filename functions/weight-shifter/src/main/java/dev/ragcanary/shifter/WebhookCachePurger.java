package dev.ragcanary.shifter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.CachePurger;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Asks an external answer cache to purge a prefix: {@code POST <webhook>} with {@code {"prefix": "v2-cnr:"}}. Any 2xx
 * is success; a JSON reply with a numeric {@code purged} field gives the count. Anything else fails the action so
 * the state machine can retry it.
 */
public final class WebhookCachePurger implements CachePurger {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final URI webhook;

    public WebhookCachePurger(HttpClient http, URI webhook) {
        this.http = http;
        this.webhook = webhook;
    }

    /** One call purges the whole prefix, bounded by the request timeout; there is nothing to resume. */
    @Override
    public PurgePage purge(String prefix, String resumeAfter, Instant deadline) {
        HttpRequest request = HttpRequest.newBuilder(webhook).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.compact(Map.of("prefix", prefix))))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("cache purge webhook " + webhook + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling the cache purge webhook " + webhook, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("cache purge webhook " + webhook + " answered " + response.statusCode()
                    + " for prefix " + prefix + ": " + abbreviate(response.body()));
        }
        return new PurgePage(purgedCount(response.body()), null);
    }

    private static long purgedCount(String body) {
        try {
            JsonNode reply = Json.MAPPER.readTree(body);
            JsonNode purged = reply == null ? null : reply.get("purged");
            return purged != null && purged.canConvertToLong() ? purged.asLong() : -1;
        } catch (IOException notJson) {
            return -1;
        }
    }

    private static String abbreviate(String body) {
        return body.length() <= 300 ? body : body.substring(0, 300) + "...";
    }
}
