package dev.ragcanary.sample;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.JsonObject;
import dev.ragcanary.core.json.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The sample RAG function on Lambda. Input {@code {"question": "...", "seed": 1}}; output the RAG data contract.
 * Behaviour comes from RAG_* environment variables (see {@link SampleRagConfig#fromEnv}), so two published versions
 * with different settings make a real control and canary. Injected errors and added latency are real function
 * errors and real delays.
 */
public final class SampleRagHandler implements RequestStreamHandler {
    private static final Set<String> FIELDS = Set.of("question", "seed", "probeId");

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
        JsonNode request = Json.parse("RAG request", new String(input.readAllBytes(), StandardCharsets.UTF_8));
        List<Problem> problems = new ArrayList<>();
        JsonObject o = JsonObject.of(request, "$", problems, FIELDS);
        String question = o.requiredText("question");
        Long seed = o.integer("seed", 0L, 0, Long.MAX_VALUE);
        o.text("probeId", null);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("RAG request", problems);
        }
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
