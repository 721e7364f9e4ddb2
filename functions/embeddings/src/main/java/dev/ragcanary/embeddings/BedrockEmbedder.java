package dev.ragcanary.embeddings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Embedder;
import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;

/**
 * The alternative embedder: an Amazon Titan text embedding model through Bedrock's InvokeModel. Normalized vectors of
 * a fixed dimension, so scores are comparable as long as the model id and dimension stay pinned.
 */
public final class BedrockEmbedder implements Embedder {
    public static final String DEFAULT_MODEL = "amazon.titan-embed-text-v2:0";
    public static final int DEFAULT_DIMENSIONS = 512;

    private final BedrockRuntimeClient bedrock;
    private final String modelId;
    private final int dimensions;

    /** @param bedrock built with {@code AwsClients.build(BedrockRuntimeClient.builder(), "bedrock-runtime")} */
    public BedrockEmbedder(BedrockRuntimeClient bedrock, String modelId, int dimensions) {
        this.bedrock = bedrock;
        this.modelId = modelId;
        this.dimensions = dimensions;
    }

    @Override
    public String modelId() {
        return modelId + "/" + dimensions;
    }

    @Override
    public float[] embed(String text) {
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("inputText", text)
                .put("dimensions", dimensions)
                .put("normalize", true);
        InvokeModelResponse response = bedrock.invokeModel(r -> r.modelId(modelId)
                .contentType("application/json")
                .accept("application/json")
                .body(SdkBytes.fromUtf8String(Json.compact(body))));
        try {
            JsonNode vector = Json.MAPPER.readTree(response.body().asUtf8String()).path("embedding");
            if (!vector.isArray() || vector.isEmpty()) {
                throw new IllegalStateException(modelId + " returned no embedding");
            }
            float[] out = new float[vector.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) vector.get(i).asDouble();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(modelId + " returned a body that is not JSON", e);
        }
    }
}
