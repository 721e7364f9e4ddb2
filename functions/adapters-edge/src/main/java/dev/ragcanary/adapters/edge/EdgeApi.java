package dev.ragcanary.adapters.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher.EdgeRefusedException;
import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.ports.TransientFailureException;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.traffic.EdgeConfigDocument;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the three management APIs share: the token from Secrets Manager, one bounded call with no retry of its own
 * (the weight shifter's retry owner runs the whole idempotent action again), and one reading of a status: 429 and 5xx
 * (and no answer) are transient, with the platform's Retry-After in the message; 401/403 say the secret's token was
 * refused; any other 4xx is a refusal with the platform's own message.
 */
final class EdgeApi {
    /** Bounded so a publish ends well inside the weight shifter's timeout, like its AWS calls (5 s). */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http;
    private final SecretReader secrets;

    EdgeApi(HttpClient http, SecretReader secrets) {
        this.http = http;
        this.secrets = secrets;
    }

    String token(EdgeTarget edge) {
        return secrets.secretString(edge.tokenSecretArn()).trim();
    }

    /**
     * Sends {@code request} and returns its body when 2xx, empty when {@code 404} and {@code missingIsEmpty}.
     *
     * @param message the platform's error message in an error body (null when it has none)
     */
    Optional<String> send(EdgeTarget edge, HttpRequest.Builder request, boolean missingIsEmpty,
                          Function<JsonNode, String> message) {
        HttpRequest built = request.timeout(CALL_TIMEOUT).build();
        HttpResponse<String> response;
        try {
            response = http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TransientFailureException(where(edge, built) + " got no answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientFailureException(where(edge, built) + " was interrupted", e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return Optional.of(response.body());
        }
        if (status == 404 && missingIsEmpty) {
            return Optional.empty();
        }
        String said = where(edge, built) + " answered " + status + ": " + errorMessage(response.body(), message);
        if (status == 429 || status / 100 == 5) {
            throw new TransientFailureException(said + response.headers().firstValue("Retry-After")
                    .map(seconds -> " (Retry-After " + seconds + " s)").orElse(""));
        }
        if (status == 401 || status == 403) {
            throw new EdgeRefusedException(said + "; the token in " + edge.tokenSecretArn() + " was refused: check"
                    + " that it is current and may write this store");
        }
        throw new EdgeRefusedException(said);
    }

    /** A stored value that is not a document (another writer's, or a newer schema) counts as no document. */
    static Optional<EdgeConfigDocument> document(String text) {
        try {
            EdgeConfigDocument document = Json.MAPPER.readValue(text, EdgeConfigDocument.class);
            return document.rolloutId() == null || document.schemaVersion() != EdgeConfigDocument.SCHEMA_VERSION
                    ? Optional.empty() : Optional.of(document);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static String json(Object value) {
        return Json.compact(value);
    }

    static String encoded(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String errorMessage(String body, Function<JsonNode, String> message) {
        try {
            String said = message.apply(Json.MAPPER.readTree(body));
            if (said != null && !said.isBlank()) {
                return said;
            }
        } catch (IOException | RuntimeException e) {
            // not JSON (a proxy's HTML page): the start of the body says more than nothing
        }
        return body == null || body.isBlank() ? "(no body)" : body.substring(0, Math.min(body.length(), 200));
    }

    private static String where(EdgeTarget edge, HttpRequest request) {
        return "edge " + edge.name() + " (" + edge.platform() + "): " + request.method() + " " + request.uri().getPath();
    }
}
