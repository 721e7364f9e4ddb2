package dev.ragcanary.gate;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Gate evaluation task: {@code {"rollout", "stage", "extensions", "controlVersion", "probes", "windowStart",
 * "windowEnd"}} in, {@code {"verdict", "evidenceKey"}} out. Bad input fails the task with every problem listed.
 */
public final class GateEvaluationHandler implements RequestStreamHandler {
    private final GateEvaluationService service;

    /** Used by Lambda: adapters from the environment. */
    public GateEvaluationHandler() {
        this(DependencyFactory.fromEnvironment().gateEvaluationService());
    }

    public GateEvaluationHandler(GateEvaluationService service) {
        this.service = service;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        GateEvaluationInput in = GateEvaluationInput.parse(Json.parse("gate evaluation input",
                new String(input.readAllBytes(), StandardCharsets.UTF_8)));
        output.write(Json.compact(service.evaluate(in)).getBytes(StandardCharsets.UTF_8));
    }
}
