package dev.ragcanary.adapters.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.traffic.EdgeConfigDocument;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Fastly Config Store over the Fastly API: {@code PUT /resources/stores/config/{store_id}/item/{item_key}} (insert or
 * update) with the form field {@code item_value}, read back with {@code GET} of the same path, which answers {@code
 * {"store_id", "item_key", "item_value", ...}}. {@code Fastly-Key} token header; errors are {@code {"msg",
 * "detail"}}. Keys in the '_' form ({@link EdgeConfigDocument#underscoreKey}); a value holds up to 8,000 characters.
 */
public final class FastlyConfigStorePublisher implements EdgeConfigPublisher {
    public static final URI API = URI.create("https://api.fastly.com");
    private final EdgeApi api;
    private final URI base;

    public FastlyConfigStorePublisher(HttpClient http, SecretReader secrets, URI base) {
        this.api = new EdgeApi(http, secrets);
        this.base = base;
    }

    @Override
    public void publish(EdgeTarget target, EdgeConfigDocument document) {
        api.send(target, request(target, document.functionName(), document.alias())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString("item_value="
                        + URLEncoder.encode(EdgeApi.json(document), StandardCharsets.UTF_8))), false,
                FastlyConfigStorePublisher::error);
    }

    @Override
    public Optional<EdgeConfigDocument> readBack(EdgeTarget target, String functionName, String alias) {
        return api.send(target, request(target, functionName, alias).GET(), true, FastlyConfigStorePublisher::error)
                .flatMap(FastlyConfigStorePublisher::itemValue).flatMap(EdgeApi::document);
    }

    private HttpRequest.Builder request(EdgeTarget target, String functionName, String alias) {
        return HttpRequest.newBuilder(URI.create(base + "/resources/stores/config/" + EdgeApi.encoded(target.storeId())
                        + "/item/" + EdgeApi.encoded(EdgeConfigDocument.underscoreKey(functionName, alias))))
                .header("Fastly-Key", api.token(target))
                .header("Accept", "application/json");
    }

    private static Optional<String> itemValue(String item) {
        try {
            return Optional.ofNullable(Json.MAPPER.readTree(item).path("item_value").textValue());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String error(JsonNode body) {
        String msg = body.path("msg").asText("");
        String detail = body.path("detail").asText("");
        return msg.isEmpty() ? null : detail.isEmpty() ? msg : msg + " (" + detail + ")";
    }
}
