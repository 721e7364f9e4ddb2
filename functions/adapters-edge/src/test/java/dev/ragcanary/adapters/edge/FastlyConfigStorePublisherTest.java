package dev.ragcanary.adapters.edge;

import static dev.ragcanary.adapters.edge.EdgeFixtures.DOCUMENT;
import static dev.ragcanary.adapters.edge.EdgeFixtures.FASTLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.aws.StubAwsServer.Request;
import dev.ragcanary.aws.StubAwsServer.Response;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher.EdgeRefusedException;
import dev.ragcanary.core.ports.TransientFailureException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Config Store API shapes: a form-encoded item_value PUT (upsert), the item GET, {"msg", "detail"} errors. */
class FastlyConfigStorePublisherTest {
    private static final String PATH = "/resources/stores/config/7Xb2mQpR9sT4uV6wY8zA1c/item/rag-canary_rag-answer_live";
    private final StubAwsServer fastly = new StubAwsServer();
    private final FastlyConfigStorePublisher publisher = new FastlyConfigStorePublisher(EdgeFixtures.HTTP,
            EdgeFixtures.SECRETS, fastly.endpoint());

    @AfterEach
    void close() {
        fastly.close();
    }

    @Test
    void publishPutsTheFormEncodedItemValueWithTheFastlyKeyHeader() throws Exception {
        fastly.then(Response.json(200, "{\"store_id\":\"7Xb2mQpR9sT4uV6wY8zA1c\",\"item_key\":"
                + "\"rag-canary_rag-answer_live\",\"item_value\":\"...\",\"created_at\":\"2026-12-01T15:00:00Z\","
                + "\"updated_at\":\"2026-12-01T15:00:00Z\",\"deleted_at\":null}"));

        publisher.publish(FASTLY, DOCUMENT);

        Request put = fastly.requests().get(0);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.path()).isEqualTo(PATH);
        assertThat(put.header("Fastly-Key")).as("the secret's value, trimmed").isEqualTo("fastly-token-ZmFzdGx5");
        assertThat(put.header("Authorization")).isNull();
        assertThat(put.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(put.body()).startsWith("item_value=");
        String value = URLDecoder.decode(put.body().substring("item_value=".length()), StandardCharsets.UTF_8);
        assertThat(Json.MAPPER.readTree(value)).isEqualTo(Json.MAPPER.readTree(Json.compact(DOCUMENT)));
        assertThat(value.length()).as("Config Store values hold at most 8,000 characters").isLessThan(8000);
    }

    @Test
    void readBackParsesItemValueAndAMissingItemIsNoDocument() {
        fastly.then(Response.json(200, Json.compact(Map.of("store_id", "7Xb2mQpR9sT4uV6wY8zA1c",
                        "item_key", "rag-canary_rag-answer_live", "item_value", Json.compact(DOCUMENT),
                        "created_at", "2026-12-01T15:00:00Z", "updated_at", "2026-12-01T15:00:00Z"))))
                .then(Response.json(404, "{\"msg\":\"Record not found\",\"detail\":\"Couldn't find config store item"
                        + " 'rag-canary_rag-answer_live'\"}"));

        assertThat(publisher.readBack(FASTLY, "rag-answer", "live")).contains(DOCUMENT);
        assertThat(publisher.readBack(FASTLY, "rag-answer", "live")).isEmpty();
        assertThat(fastly.requests().get(1).path()).isEqualTo(PATH);
    }

    @Test
    void badCredentialsAreARefusalWithFastlysMessage() {
        fastly.then(Response.json(401, "{\"msg\":\"Provided credentials are missing or invalid\"}"));

        assertThatThrownBy(() -> publisher.publish(FASTLY, DOCUMENT)).isInstanceOf(EdgeRefusedException.class)
                .hasMessageContaining("401: Provided credentials are missing or invalid")
                .hasMessageContaining(EdgeFixtures.FASTLY_SECRET).hasMessageNotContaining("fastly-token");
    }

    @Test
    void rateLimitedAndUnavailableAreTransient() {
        fastly.then(new Response(429, Map.of("Content-Type", "application/json", "Retry-After", "60",
                        "Fastly-RateLimit-Remaining", "0"), "{\"msg\":\"Too many requests\",\"detail\":\"Rate limit"
                        + " exceeded; try again later\"}"))
                .then(new Response(503, Map.of("Content-Type", "text/html"), "<html><body>503 Service"
                        + " Unavailable</body></html>"));

        assertThatThrownBy(() -> publisher.publish(FASTLY, DOCUMENT)).isInstanceOf(TransientFailureException.class)
                .hasMessageContaining("Too many requests").hasMessageContaining("Retry-After 60 s");
        assertThatThrownBy(() -> publisher.readBack(FASTLY, "rag-answer", "live"))
                .isInstanceOf(TransientFailureException.class).hasMessageContaining("503")
                .hasMessageContaining("Service Unavailable");
    }
}
