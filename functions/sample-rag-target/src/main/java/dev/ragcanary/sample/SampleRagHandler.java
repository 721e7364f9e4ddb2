package dev.ragcanary.sample;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The sample RAG function on Lambda. Input {@code {"question": "...", "seed": 1}}; output the RAG data contract.
 * Behaviour comes from RAG_* environment variables (see {@link SampleRagConfig#fromEnv}), so two published versions
 * with different settings make a real control and canary. Injected errors and added latency are real function
 * errors and real delays.
 */
public final class SampleRagHandler implements RequestStreamHandler {
    private final SampleRag rag;

    /** Lambda entry point: configured from the environment; the index is built once per execution environment. */
    public SampleRagHandler() {
        this(new SampleRag(SampleRagConfig.fromEnv(System.getenv())));
    }

    public SampleRagHandler(SampleRag rag) {
        this.rag = rag;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request = Contract.RAG_REQUEST.read(input.readAllBytes());
        String question = request.get("question").asText();
        long seed = request.path("seed").asLong(0);
        long latency = rag.config().latencyMs();
        if (latency > 0) {
            try {
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during configured latency", e);
            }
        }
        output.write(Json.compact(rag.answer(question, seed)).getBytes(StandardCharsets.UTF_8));
    }
}
