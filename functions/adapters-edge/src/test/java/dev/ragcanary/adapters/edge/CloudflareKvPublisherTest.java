package dev.ragcanary.adapters.edge;

import static dev.ragcanary.adapters.edge.EdgeFixtures.CLOUDFLARE;
import static dev.ragcanary.adapters.edge.EdgeFixtures.DOCUMENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.aws.StubAwsServer.Request;
import dev.ragcanary.aws.StubAwsServer.Response;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher.EdgeRefusedException;
import dev.ragcanary.core.ports.TransientFailureException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Workers KV REST shapes: the value as the raw PUT body, the {success, errors} envelope, the raw value on GET. */
class CloudflareKvPublisherTest {
    private static final String PATH = "/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/storage/kv/namespaces/"
            + "0f2ac74b498b48028cb68387c421e279/values/rag-canary%2Frag-answer%2Flive";
    private final StubAwsServer cloudflare = new StubAwsServer();
    private final CloudflareKvPublisher publisher = new CloudflareKvPublisher(EdgeFixtures.HTTP, EdgeFixtures.SECRETS,
            URI.create(cloudflare.endpoint() + "/client/v4"));

    @AfterEach
    void close() {
        cloudflare.close();
    }

    @Test
    void publishPutsTheDocumentAsTheRawValueUnderTheEncodedKeyWithTheBearerTokenFromTheSecret() throws Exception {
        cloudflare.then(Response.json(200, "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":{}}"));

        publisher.publish(CLOUDFLARE, DOCUMENT);

        Request put = cloudflare.requests().get(0);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.path()).isEqualTo(PATH);
        assertThat(put.header("Authorization")).isEqualTo("Bearer cf-token-Y2xvdWRmbGFyZQ");
        assertThat(Json.MAPPER.readTree(put.body())).isEqualTo(Json.MAPPER.readTree(Json.compact(DOCUMENT)));
    }

    @Test
    void readBackParsesTheRawValueAndAMissingKeyIsNoDocument() {
        cloudflare.then(new Response(200, Map.of("Content-Type", "application/octet-stream"), Json.compact(DOCUMENT)))
                .then(Response.json(404, "{\"success\":false,\"errors\":[{\"code\":10009,\"message\":\"get: 'key not"
                        + " found'\"}],\"messages\":[],\"result\":null}"));

        assertThat(publisher.readBack(CLOUDFLARE, "rag-answer", "live")).contains(DOCUMENT);
        assertThat(publisher.readBack(CLOUDFLARE, "rag-answer", "live")).isEmpty();
        assertThat(cloudflare.requests()).extracting(Request::method).containsExactly("GET", "GET");
        assertThat(cloudflare.requests().get(0).path()).isEqualTo(PATH);
    }

    @Test
    void aRefusedTokenIsARefusalNamingTheSecretNeverTheToken() {
        cloudflare.then(Response.json(401, "{\"success\":false,\"errors\":[{\"code\":10000,\"message\":"
                + "\"Authentication error\"}],\"messages\":[],\"result\":null}"));

        assertThatThrownBy(() -> publisher.publish(CLOUDFLARE, DOCUMENT)).isInstanceOf(EdgeRefusedException.class)
                .hasMessageContaining("401").hasMessageContaining("10000 Authentication error")
                .hasMessageContaining(EdgeFixtures.CF_SECRET).hasMessageNotContaining("cf-token");
    }

    @Test
    void rateLimitedAndServerErrorsAreTransientWithTheRetryAfter() {
        cloudflare.then(new Response(429, Map.of("Content-Type", "application/json", "Retry-After", "30"),
                        "{\"success\":false,\"errors\":[{\"code\":10429,\"message\":\"Too many requests\"}],"
                                + "\"messages\":[],\"result\":null}"))
                .then(Response.json(502, "{\"success\":false,\"errors\":[{\"code\":10013,\"message\":\"service"
                        + " unavailable\"}],\"messages\":[],\"result\":null}"));

        assertThatThrownBy(() -> publisher.publish(CLOUDFLARE, DOCUMENT)).isInstanceOf(TransientFailureException.class)
                .hasMessageContaining("429").hasMessageContaining("Retry-After 30 s");
        assertThatThrownBy(() -> publisher.readBack(CLOUDFLARE, "rag-answer", "live"))
                .isInstanceOf(TransientFailureException.class).hasMessageContaining("502");
    }

    @Test
    void aWriteAnswered2xxWithoutSuccessIsNotTakenAsWritten() {
        cloudflare.then(Response.json(200, "{\"success\":false,\"errors\":[{\"code\":10001,\"message\":\"metadata"
                + " too large\"}],\"messages\":[],\"result\":null}"));

        assertThatThrownBy(() -> publisher.publish(CLOUDFLARE, DOCUMENT)).isInstanceOf(EdgeRefusedException.class)
                .hasMessageContaining("10001");
    }

    @Test
    void aValueThatIsNotAnEdgeDocumentReadsAsNone() {
        cloudflare.then(new Response(200, Map.of(), "hello world"));

        assertThat(publisher.readBack(CLOUDFLARE, "rag-answer", "live")).isEmpty();
    }

    @Test
    void anUnreachableApiIsTransient() {
        CloudflareKvPublisher nowhere = new CloudflareKvPublisher(EdgeFixtures.HTTP, EdgeFixtures.SECRETS,
                URI.create("http://127.0.0.1:9/client/v4"));

        assertThatThrownBy(() -> nowhere.readBack(CLOUDFLARE, "rag-answer", "live"))
                .isInstanceOf(TransientFailureException.class).hasMessageContaining("got no answer");
    }
}
