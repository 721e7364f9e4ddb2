package dev.ragcanary.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.core.json.Json;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

class BedrockEmbedderTest {
    private final StubAwsServer stub = new StubAwsServer();
    private final BedrockRuntimeClient client = AwsClients.build(BedrockRuntimeClient.builder(), stub.endpoint(),
            Region.US_EAST_1, o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
    private final BedrockEmbedder embedder = new BedrockEmbedder(client, BedrockEmbedder.DEFAULT_MODEL, 512);

    @AfterEach
    void close() {
        stub.close();
    }

    @Test
    void invokesTheTitanModelWithTheExactRequest() {
        stub.then(StubAwsServer.Response.json(200, "{\"embedding\":[0.5,-0.25,0.125],\"inputTextTokenCount\":4}"));

        float[] vector = embedder.embed("How do I roll back?");

        assertThat(vector).containsExactly(0.5f, -0.25f, 0.125f);
        StubAwsServer.Request request = stub.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/model/amazon.titan-embed-text-v2%3A0/invoke");
        assertThat(request.header("content-type")).isEqualTo("application/json");
        assertThat(request.header("accept")).isEqualTo("application/json");
        assertThat(request.header("authorization")).contains("/us-east-1/bedrock/aws4_request");
        assertThat(Json.MAPPER.convertValue(Json.parse("body", request.body()), Map.class))
                .isEqualTo(Map.of("inputText", "How do I roll back?", "dimensions", 512, "normalize", true));
        assertThat(embedder.modelId()).isEqualTo("amazon.titan-embed-text-v2:0/512");
    }

    @Test
    void throttlingSurfacesAsTheServiceException() {
        stub.then(new StubAwsServer.Response(429, Map.of("Content-Type", "application/json",
                "x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
                "{\"message\":\"Too many requests, please wait before trying again.\"}"));

        assertThatThrownBy(() -> embedder.embed("text"))
                .isInstanceOf(ThrottlingException.class)
                .hasMessageContaining("Too many requests");
    }

    @Test
    void aResponseWithoutAnEmbeddingIsAnError() {
        stub.then(StubAwsServer.Response.json(200, "{\"inputTextTokenCount\":4}"));
        assertThatThrownBy(() -> embedder.embed("text")).hasMessageContaining("returned no embedding");
    }
}
