package dev.ragcanary.adapters.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.EdgeConfigPublisher.EdgeRefusedException;
import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.traffic.EdgeConfigDocument;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Optional;

/**
 * Workers KV over the Cloudflare REST API: {@code PUT /accounts/{account_id}/storage/kv/namespaces/{namespace_id}/
 * values/{key_name}} with the document as the raw body (answered by the {@code {"success", "errors", "messages",
 * "result"}} envelope), and {@code GET} of the same path, which answers the raw value (404 with error 10009 when there
 * is none). Bearer token. The key's '/' is URL-encoded in the path.
 */
public final class CloudflareKvPublisher implements EdgeConfigPublisher {
    public static final URI API = URI.create("https://api.cloudflare.com/client/v4");
    private final EdgeApi api;
    private final URI base;

    public CloudflareKvPublisher(HttpClient http, SecretReader secrets, URI base) {
        this.api = new EdgeApi(http, secrets);
        this.base = base;
    }

    @Override
    public void publish(EdgeTarget target, EdgeConfigDocument document) {
        String envelope = api.send(target, request(target, document.key())
                .header("Content-Type", "text/plain; charset=utf-8")
                .PUT(HttpRequest.BodyPublishers.ofString(EdgeApi.json(document))), false,
                CloudflareKvPublisher::errors).orElseThrow();
        JsonNode answer = parse(envelope);
        if (answer == null || !answer.path("success").asBoolean(false)) {
            throw new EdgeRefusedException("edge " + target.name() + " (cloudflare-kv): the write answered 2xx without"
                    + " success: " + (answer == null ? envelope : errors(answer)));
        }
    }

    @Override
    public Optional<EdgeConfigDocument> readBack(EdgeTarget target, String functionName, String alias) {
        return api.send(target, request(target, EdgeConfigDocument.key(functionName, alias)).GET(), true,
                CloudflareKvPublisher::errors).flatMap(EdgeApi::document);
    }

    private HttpRequest.Builder request(EdgeTarget target, String key) {
        return HttpRequest.newBuilder(URI.create(base + "/accounts/" + EdgeApi.encoded(target.accountId())
                        + "/storage/kv/namespaces/" + EdgeApi.encoded(target.namespaceId()) + "/values/"
                        + EdgeApi.encoded(key)))
                .header("Authorization", "Bearer " + api.token(target));
    }

    /** Cloudflare's error envelope: {@code {"success": false, "errors": [{"code": 10000, "message": "..."}]}}. */
    private static String errors(JsonNode body) {
        StringBuilder out = new StringBuilder();
        body.path("errors").forEach(e -> out.append(out.isEmpty() ? "" : "; ").append(e.path("code").asText())
                .append(" ").append(e.path("message").asText()));
        return out.toString();
    }

    private static JsonNode parse(String text) {
        try {
            return dev.ragcanary.core.json.Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
