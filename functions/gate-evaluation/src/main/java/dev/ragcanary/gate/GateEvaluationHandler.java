package dev.ragcanary.gate;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.ragcanary.aws.TransientFailures;
import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.ControllerMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Gate evaluation task: {@code {"rollout", "stage", "extensions", "controlVersion", "controlVersions", "probes",
 * "windowStart", "windowEnd"}} in, {@code {"verdict", "evidenceKey"}} out; with {@code "look"} a live look during the
 * bake, {@code {"verdict", "evidenceKey", "look", "waitSeconds", "restSeconds", "bakeOver"}} out. Bad input fails the
 * task with every problem listed.
 */
public final class GateEvaluationHandler implements RequestStreamHandler {
    /**
     * Kept from the function's remaining time for what follows the live metrics: stopping abandoned queries, archiving
     * the evidence, recording the verdict (each call at most 5 s, {@code AwsClients.CONTROLLER_CALLS}).
     */
    static final Duration VERDICT_MARGIN = Duration.ofSeconds(20);

    private final GateEvaluationService service;
    private final ControllerMetrics metrics;
    private final Clock clock;

    /** Used by Lambda: adapters from the environment, metrics as EMF lines on standard output. */
    public GateEvaluationHandler() {
        this(DependencyFactory.fromEnvironment().gateEvaluationService(), ControllerMetrics.toStandardOutput(),
                Clock.systemUTC());
    }

    public GateEvaluationHandler(GateEvaluationService service, ControllerMetrics metrics, Clock clock) {
        this.service = service;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        GateEvaluationInput in = GateEvaluationInput.parse(Contract.GATE_EVALUATION_INPUT.parse(
                new String(input.readAllBytes(), StandardCharsets.UTF_8)));
        Instant deadline = clock.instant().plusMillis(context.getRemainingTimeInMillis()).minus(VERDICT_MARGIN);
        if (in.isLook()) {
            GateEvaluationService.LookResult look = TransientFailures.reportingTransient(() -> service.look(in, deadline));
            // A look that bakes on is no decision of the gate's; one that rolls back is.
            if (look.verdict().decision() == Decision.ROLLBACK) {
                metrics.verdict(in.plan().target().functionName(), look.verdict(), null);
            }
            output.write(Json.compact(look).getBytes(StandardCharsets.UTF_8));
            return;
        }
        GateEvaluationService.Result result = TransientFailures.reportingTransient(() -> service.evaluate(in, deadline));
        metrics.verdict(in.plan().target().functionName(), result.verdict(), in.probes());
        output.write(Json.compact(result).getBytes(StandardCharsets.UTF_8));
    }
}
