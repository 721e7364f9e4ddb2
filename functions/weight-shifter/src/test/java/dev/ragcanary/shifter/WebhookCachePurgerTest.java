package dev.ragcanary.shifter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookCachePurgerTest {
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String reply = "{\"purged\": 17}";
    private final HttpServer server = start();
    private final WebhookCachePurger purger = new WebhookCachePurger(HttpClient.newHttpClient(),
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/purge"));

    private HttpServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            http.createContext("/purge", exchange -> {
                bodies.add(exchange.getRequestMethod() + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            http.start();
            return http;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void postsThePrefixAndReadsTheCount() {
        assertThat(purger.purge("v2-cnr:", null, Instant.now()).removed()).isEqualTo(17);
        assertThat(bodies).singleElement().satisfies(b -> {
            assertThat(b).startsWith("POST ");
            assertThat(Json.parse("body", b.substring(5))).isEqualTo(Json.parse("expected", "{\"prefix\":\"v2-cnr:\"}"));
        });
    }

    @Test
    void aReplyWithoutACountIsUnknown() {
        reply = "ok";
        assertThat(purger.purge("v2-cnr:", null, Instant.now()).removed()).isEqualTo(-1);
    }

    @Test
    void aFailedPurgeFailsWithTheStatusAndBody() {
        status = 503;
        reply = "cache cluster unavailable";
        assertThatThrownBy(() -> purger.purge("v2-cnr:", null, Instant.now()))
                .hasMessageContaining("answered 503 for prefix v2-cnr:: cache cluster unavailable");
    }
}
