package dev.ragcanary.shifter;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.aws.TransientFailures;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.ControllerMetrics;
import dev.ragcanary.core.rollout.ProbeSetLocations;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.WeightShifter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Lambda entry point of the weight shifter: {@code {"action", "rollout", "stage", "reason", "executionArn", "answer"}}
 * -> the rollout state, with {@code ownerExecutionArn} ({@code start} records the caller as the owner, or returns the
 * owner that already holds the rollout); {@code answer} is a person's {@code {"approved", "by"}} for action
 * {@code approval}; {@code validate} -> {@code {"plan": ...}}; an EventBridge execution status change -> the end of
 * that execution's rollout, if that execution owns it: a rollback and release after ABORTED, TIMED_OUT or FAILED, the
 * release a SUCCEEDED execution could not do.
 */
public final class WeightShifterHandler implements RequestStreamHandler {
    private final WeightShifter shifter;
    private final ControllerMetrics metrics;
    private final ProbeSetLocations probeSetLocations;

    public WeightShifterHandler() {
        this(DependencyFactory.weightShifter(System.getenv()), ControllerMetrics.toStandardOutput(),
                DependencyFactory.probeSetLocations(System.getenv()));
    }

    /** Probe sets may lie anywhere: for runs where no stack grant applies. */
    public WeightShifterHandler(WeightShifter shifter, ControllerMetrics metrics) {
        this(shifter, metrics, ProbeSetLocations.ANYWHERE);
    }

    /** @param probeSetLocations where the probe replay may read probe sets; validate and start refuse any other */
    public WeightShifterHandler(WeightShifter shifter, ControllerMetrics metrics, ProbeSetLocations probeSetLocations) {
        this.shifter = shifter;
        this.metrics = metrics;
        this.probeSetLocations = probeSetLocations;
    }

    /** Transient failures leave under one error name, which the state machine retries; see {@link TransientFailures}. */
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request = Json.parse("weight shifter input", new String(input.readAllBytes(), StandardCharsets.UTF_8));
        Object result = TransientFailures.reportingTransient(() -> handle(request));
        Json.MAPPER.writeValue(output, result);
    }

    Object handle(JsonNode request) {
        ShifterInput in = ShifterInput.parse(request);
        return switch (in.action()) {
            case VALIDATE -> Map.of("plan", readableProbeSet(in.rollout()));
            case START -> shifter.start(readableProbeSet(in.rollout()), in.executionArn(), in.step()).summary();
            case SHIFT -> weightChanged(shifter.shift(in.rollout(), in.stage(), in.executionArn(), in.step()));
            case PROMOTE -> weightChanged(shifter.promote(in.rollout(), in.executionArn(), in.step()));
            case ROLLBACK -> weightChanged(shifter.rollback(in.rollout(), rollbackReason(in), in.step()));
            case RELEASE -> shifter.release(in.rollout(), in.reason(), in.step()).summary();
            case APPROVAL -> shifter.record(in.rollout(), LedgerEntry.Type.APPROVAL, in.reason(), null, in.step())
                    .summary();
            case CLEAN_UP -> weightChanged(in.succeeded()
                    ? shifter.finishAfterSucceededExecution(in.rollout(), in.executionArn(), in.reason(), in.step())
                    : shifter.cleanUpAfterStoppedExecution(in.rollout(), in.executionArn(), in.reason(), in.step()));
            case IGNORE -> Map.of("ignored", in.reason());
        };
    }

    /** {@code plan}, unless its probe set lies where the probe replay may not read it. */
    private RolloutRequest readableProbeSet(RolloutRequest plan) {
        probeSetLocations.problem(plan, "$.rollout.probeSet").ifPresent(problem -> {
            throw new InvalidInputException("weight shifter input", List.of(problem));
        });
        return plan;
    }

    /** The dashboard's canary weight per stage comes from here (docs/metrics.md). */
    private Object weightChanged(RolloutState state) {
        metrics.canaryWeight(state.functionName(), state.stage(), state.weight());
        return state.summary();
    }

    private static String rollbackReason(ShifterInput in) {
        String reason = in.reason() == null || in.reason().isBlank() ? "rollback requested" : in.reason();
        return in.executionArn() == null || reason.contains(in.executionArn()) ? reason
                : reason + " (execution " + in.executionArn() + ")";
    }
}
