package dev.ragcanary.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

/** Runs the stage machine alone on the local interpreter, started as the rollout machine starts it. */
final class StageRuns {
    private StageRuns() {
    }

    /** Runs {@code stage} of {@code plan} (first bake {@code bakeSeconds}), Tasks answered by {@code endpoint}. */
    static ExecutionResult runStage(LocalRunner runner, ProjectLayout layout, LocalLambdaEndpoint endpoint,
            String executionName, JsonNode plan, String stage, long bakeSeconds) {
        ObjectNode input = Json.MAPPER.createObjectNode();
        input.set("plan", plan);
        input.put("stage", stage);
        input.put("bakeSeconds", bakeSeconds);
        input.put("purpose", "stage");
        input.put("extensions", 0);
        input.putNull("bakeWindow");
        input.put("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID", LocalExecution.executionArn("rollout", executionName));
        return LocalExecution.startStage(runner, layout, endpoint.uri(), executionName, input,
                LocalExecution.Options.FAST, ExecutionListener.NONE).await();
    }

    /** Answers every invocation with {@code output}, keeping the inputs in {@code inputs} when given. */
    static RequestStreamHandler answering(String output, List<JsonNode> inputs) {
        return (in, out, context) -> {
            JsonNode input = Json.parse("input", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            if (inputs != null) {
                inputs.add(input);
            }
            out.write(output.getBytes(StandardCharsets.UTF_8));
        };
    }

    /** A file of the repository, by its path from the root. */
    static String read(ProjectLayout layout, String file) {
        try {
            return Files.readString(layout.root().resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
