package dev.ragcanary.gate;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.ragcanary.aws.TransientFailures;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.ControllerMetrics;
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
    private final ControllerMetrics metrics;

    /** Used by Lambda: adapters from the environment, metrics as EMF lines on standard output. */
    public GateEvaluationHandler() {
        this(DependencyFactory.fromEnvironment().gateEvaluationService(), ControllerMetrics.toStandardOutput());
    }

    public GateEvaluationHandler(GateEvaluationService service, ControllerMetrics metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        GateEvaluationInput in = GateEvaluationInput.parse(Json.parse("gate evaluation input",
                new String(input.readAllBytes(), StandardCharsets.UTF_8)));
        GateEvaluationService.Result result = TransientFailures.reportingTransient(() -> service.evaluate(in));
        metrics.verdict(in.plan().target().functionName(), result.verdict(), in.probes());
        output.write(Json.compact(result).getBytes(StandardCharsets.UTF_8));
    }
}
