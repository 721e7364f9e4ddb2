package dev.ragcanary.adapters.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.aws.StubAwsServer.Response;
import dev.ragcanary.core.ports.EdgeConfigPublisher.EdgeRefusedException;
import dev.ragcanary.core.rollout.EdgeTarget;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeConfigPublishersTest {
    @Test
    void eachEdgeGoesToItsPlatformsApi() {
        try (StubAwsServer cloudflare = new StubAwsServer(); StubAwsServer fastly = new StubAwsServer()) {
            cloudflare.then(Response.json(404, "{\"success\":false,\"errors\":[{\"code\":10009,\"message\":\"get:"
                    + " 'key not found'\"}],\"messages\":[],\"result\":null}"));
            fastly.then(Response.json(404, "{\"msg\":\"Record not found\"}"));
            EdgeConfigPublishers publishers = EdgeConfigPublishers.of(EdgeFixtures.HTTP, EdgeFixtures.SECRETS, Map.of(
                    EdgeTarget.CLOUDFLARE_KV, URI.create(cloudflare.endpoint() + "/client/v4"),
                    EdgeTarget.FASTLY_CONFIG_STORE, fastly.endpoint()));

            assertThat(publishers.readBack(EdgeFixtures.CLOUDFLARE, "rag-answer", "live")).isEmpty();
            assertThat(publishers.readBack(EdgeFixtures.FASTLY, "rag-answer", "live")).isEmpty();
            assertThat(cloudflare.requests()).hasSize(1);
            assertThat(fastly.requests()).hasSize(1);
        }
    }

    @Test
    void anUnknownPlatformIsRefusedByName() {
        EdgeTarget akamai = new EdgeTarget("akamai-edgekv", "akamai", null, null, null, null, null,
                EdgeFixtures.CF_SECRET, null);

        assertThatThrownBy(() -> EdgeConfigPublishers.of(EdgeFixtures.HTTP, EdgeFixtures.SECRETS, Map.of())
                .publish(akamai, EdgeFixtures.DOCUMENT)).isInstanceOf(EdgeRefusedException.class)
                .hasMessageContaining("no publisher for platform akamai-edgekv");
    }
}
