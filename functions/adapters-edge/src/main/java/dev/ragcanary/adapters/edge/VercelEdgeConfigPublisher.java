package dev.ragcanary.adapters.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.traffic.EdgeConfigDocument;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Optional;

/**
 * Vercel Edge Config over the REST API: {@code PATCH /v1/edge-config/{edgeConfigId}/items} with {@code {"items":
 * [{"operation": "upsert", "key", "value"}]}} (the document as a JSON value), read back with {@code GET
 * /v1/edge-config/{edgeConfigId}/item/{key}}, which answers {@code {"key", "value", "edgeConfigId", ...}} from the
 * origin, not the CDN (so a read right after the write sees it). {@code ?teamId=} when the edge names a team. Keys
 * allow only [A-Za-z0-9_-]: {@link EdgeConfigDocument#underscoreKey}. Bearer token; errors are {@code {"error":
 * {"code", "message"}}}.
 */
public final class VercelEdgeConfigPublisher implements EdgeConfigPublisher {
    public static final URI API = URI.create("https://api.vercel.com");
    private final EdgeApi api;
    private final URI base;

    public VercelEdgeConfigPublisher(HttpClient http, SecretReader secrets, URI base) {
        this.api = new EdgeApi(http, secrets);
        this.base = base;
    }

    @Override
    public void publish(EdgeTarget target, EdgeConfigDocument document) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode item = body.putArray("items").addObject();
        item.put("operation", "upsert");
        item.put("key", EdgeConfigDocument.underscoreKey(document.functionName(), document.alias()));
        item.set("value", Json.MAPPER.valueToTree(document));
        api.send(target, request(target, "/items").header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(EdgeApi.json(body))), false,
                VercelEdgeConfigPublisher::error);
    }

    @Override
    public Optional<EdgeConfigDocument> readBack(EdgeTarget target, String functionName, String alias) {
        return api.send(target, request(target, "/item/" + EdgeConfigDocument.underscoreKey(functionName, alias))
                        .GET(), true, VercelEdgeConfigPublisher::error)
                .flatMap(VercelEdgeConfigPublisher::value).flatMap(EdgeApi::document);
    }

    private HttpRequest.Builder request(EdgeTarget target, String path) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/edge-config/" + EdgeApi.encoded(target.edgeConfigId())
                        + path + (target.teamId() == null ? "" : "?teamId=" + EdgeApi.encoded(target.teamId()))))
                .header("Authorization", "Bearer " + api.token(target));
    }

    private static Optional<String> value(String item) {
        try {
            JsonNode value = Json.MAPPER.readTree(item).get("value");
            return value == null || !value.isObject() ? Optional.empty() : Optional.of(value.toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String error(JsonNode body) {
        JsonNode error = body.path("error");
        return error.isMissingNode() ? null : error.path("code").asText() + " " + error.path("message").asText();
    }
}
