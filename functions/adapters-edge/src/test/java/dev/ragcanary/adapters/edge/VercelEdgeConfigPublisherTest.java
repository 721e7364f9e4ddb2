package dev.ragcanary.adapters.edge;

import static dev.ragcanary.adapters.edge.EdgeFixtures.DOCUMENT;
import static dev.ragcanary.adapters.edge.EdgeFixtures.VERCEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.aws.StubAwsServer.Request;
import dev.ragcanary.aws.StubAwsServer.Response;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher.EdgeRefusedException;
import dev.ragcanary.core.ports.TransientFailureException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Edge Config REST shapes: a PATCH of upsert items, the item GET, {"error": {"code", "message"}} errors. */
class VercelEdgeConfigPublisherTest {
    private final StubAwsServer vercel = new StubAwsServer();
    private final VercelEdgeConfigPublisher publisher = new VercelEdgeConfigPublisher(EdgeFixtures.HTTP,
            EdgeFixtures.SECRETS, vercel.endpoint());

    @AfterEach
    void close() {
        vercel.close();
    }

    @Test
    void publishPatchesOneUpsertItemUnderTheUnderscoreKeyForTheTeam() throws Exception {
        vercel.then(Response.json(200, "{\"status\":\"ok\"}"));

        publisher.publish(VERCEL, DOCUMENT);

        Request patch = vercel.requests().get(0);
        assertThat(patch.method()).isEqualTo("PATCH");
        assertThat(patch.path()).isEqualTo("/v1/edge-config/ecfg_2kbq3xfpm4aoyjmrtv7qhkh5bjmd/items");
        assertThat(patch.query()).isEqualTo("teamId=team_9Qe3Fz1kLmN0");
        assertThat(patch.header("Authorization")).isEqualTo("Bearer vercel-token-dmVyY2Vs");
        assertThat(patch.header("Content-Type")).isEqualTo("application/json");
        JsonNode item = Json.MAPPER.readTree(patch.body()).get("items").get(0);
        assertThat(item.get("operation").asText()).isEqualTo("upsert");
        assertThat(item.get("key").asText()).isEqualTo("rag-canary_rag-answer_live").matches("^[\\w-]+$");
        assertThat(item.get("value")).as("a JSON value, not a string").isEqualTo(Json.MAPPER.readTree(Json.compact(DOCUMENT)));
    }

    @Test
    void readBackTakesTheItemsValueAndAMissingItemIsNoDocument() {
        vercel.then(Response.json(200, "{\"key\":\"rag-canary_rag-answer_live\",\"value\":" + Json.compact(DOCUMENT)
                        + ",\"edgeConfigId\":\"ecfg_2kbq3xfpm4aoyjmrtv7qhkh5bjmd\",\"createdAt\":1764601200000,"
                        + "\"updatedAt\":1764601200000}"))
                .then(Response.json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"Could not find the item:"
                        + " rag-canary_rag-answer_live\"}}"));

        assertThat(publisher.readBack(VERCEL, "rag-answer", "live")).contains(DOCUMENT);
        assertThat(publisher.readBack(VERCEL, "rag-answer", "live")).isEmpty();
        assertThat(vercel.requests().get(0).path())
                .isEqualTo("/v1/edge-config/ecfg_2kbq3xfpm4aoyjmrtv7qhkh5bjmd/item/rag-canary_rag-answer_live");
        assertThat(vercel.requests().get(0).query()).isEqualTo("teamId=team_9Qe3Fz1kLmN0");
    }

    @Test
    void aForbiddenTokenIsARefusalWithVercelsMessage() {
        vercel.then(Response.json(403, "{\"error\":{\"code\":\"forbidden\",\"message\":\"Not authorized\"}}"));

        assertThatThrownBy(() -> publisher.publish(VERCEL, DOCUMENT)).isInstanceOf(EdgeRefusedException.class)
                .hasMessageContaining("403: forbidden Not authorized").hasMessageContaining(EdgeFixtures.VERCEL_SECRET)
                .hasMessageNotContaining("vercel-token");
    }

    @Test
    void rateLimitedAndInternalErrorsAreTransient() {
        vercel.then(new Response(429, Map.of("Content-Type", "application/json", "Retry-After", "12",
                        "X-RateLimit-Remaining", "0"), "{\"error\":{\"code\":\"rate_limited\",\"message\":\"The rate"
                        + " limit of 60 exceeded for 'edge-config-items-update'. Try again in 12 seconds\","
                        + "\"limit\":{\"remaining\":0,\"reset\":1764601212,\"resetMs\":1764601212000,\"total\":60}}}"))
                .then(Response.json(500, "{\"error\":{\"code\":\"internal_server_error\",\"message\":\"An unexpected"
                        + " internal error occurred\"}}"));

        assertThatThrownBy(() -> publisher.publish(VERCEL, DOCUMENT)).isInstanceOf(TransientFailureException.class)
                .hasMessageContaining("rate_limited").hasMessageContaining("Retry-After 12 s");
        assertThatThrownBy(() -> publisher.readBack(VERCEL, "rag-answer", "live"))
                .isInstanceOf(TransientFailureException.class).hasMessageContaining("internal_server_error");
    }

    @Test
    void aBadRequestIsARefusal() {
        vercel.then(Response.json(400, "{\"error\":{\"code\":\"bad_request\",\"message\":\"Invalid request: `items[0]"
                + ".key` should match pattern \\\"^[\\\\w-]+$\\\".\"}}"));

        assertThatThrownBy(() -> publisher.publish(VERCEL, DOCUMENT)).isInstanceOf(EdgeRefusedException.class)
                .hasMessageContaining("bad_request");
    }
}
