package dev.ragcanary.shifter;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.aws.TransientFailures;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.metrics.ControllerMetrics;
import dev.ragcanary.core.ports.ExecutionInputs;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.WeightShifter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Lambda entry point of the weight shifter: {@code {"action", "rollout", "stage", "reason", "executionArn", "answer"}}
 * -> the rollout state, with {@code ownerExecutionArn} ({@code start} records the caller as the owner, or returns the
 * owner that already holds the rollout); {@code answer} is a person's {@code {"approved", "by"}} for action
 * {@code approval}; {@code validate} -> {@code {"plan": ...}}; {@code purge} (with {@code prefix}, {@code resumeAfter}, {@code pages})
 * -> one page of the stale cache purge, {@code {"prefix", "complete", "resumeAfter", "removed", "pages"}}; an EventBridge execution status change -> the end of
 * that execution's rollout, if that execution owns it: a rollback and release after ABORTED, TIMED_OUT or FAILED, the
 * release a SUCCEEDED execution could not do (an event without the execution's input, which AWS leaves out of large
 * events, has it read by the execution ARN).
 */
public final class WeightShifterHandler implements RequestStreamHandler {
    /** Left of the invocation's time when a purge stops taking new pages: one page and the reply fit in it. */
    static final Duration PURGE_MARGIN = Duration.ofSeconds(10);
    private static final Duration UNTIMED_PURGE = Duration.ofSeconds(20);
    private final WeightShifter shifter;
    private final ControllerMetrics metrics;
    private final ExecutionInputs executionInputs;
    private final StackLimits limits;

    public WeightShifterHandler() {
        this(DependencyFactory.fromEnvironment());
    }

    private WeightShifterHandler(DependencyFactory dependencies) {
        this(dependencies.weightShifter(), ControllerMetrics.toStandardOutput(), dependencies.executionInputs(),
                dependencies.stackLimits());
    }

    /** @param limits what the stack lets a rollout touch; validate and start refuse the rest */
    public WeightShifterHandler(WeightShifter shifter, ControllerMetrics metrics, ExecutionInputs executionInputs,
                                StackLimits limits) {
        this.shifter = shifter;
        this.metrics = metrics;
        this.executionInputs = executionInputs;
        this.limits = limits;
    }

    /** Transient failures leave under one error name, which the state machine retries; see {@link TransientFailures}. */
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request = Contract.WEIGHT_SHIFTER_INPUT.parse(new String(input.readAllBytes(), StandardCharsets.UTF_8));
        Instant purgeDeadline = purgeDeadline(context);
        Object result = TransientFailures.reportingTransient(() -> handle(request, purgeDeadline));
        Json.MAPPER.writeValue(output, result);
    }

    /**
     * When a purge page stops: the invocation's remaining time less {@link #PURGE_MARGIN} for the page in flight and
     * the reply ({@link #UNTIMED_PURGE} without a Lambda context, e.g. a test).
     */
    private static Instant purgeDeadline(Context context) {
        Duration budget = context == null ? UNTIMED_PURGE
                : Duration.ofMillis(context.getRemainingTimeInMillis()).minus(PURGE_MARGIN);
        return Instant.now().plus(budget.isNegative() ? Duration.ZERO : budget);
    }

    Object handle(JsonNode request, Instant purgeDeadline) {
        ShifterInput in = ShifterInput.parse(request, executionInputs);
        return switch (in.action()) {
            case VALIDATE -> Map.of("plan", withinLimits(in.rollout()));
            case START -> shifter.start(withinLimits(in.rollout()), in.executionArn(), in.step()).summary();
            case SHIFT -> weightChanged(shifter.shift(in.rollout(), in.stage(), in.executionArn(), in.step()));
            case PROMOTE -> weightChanged(shifter.promote(in.rollout(), in.executionArn(), in.step()));
            case ROLLBACK -> weightChanged(shifter.rollback(in.rollout(), rollbackReason(in), in.step()));
            case RELEASE -> shifter.release(in.rollout(), in.reason(), in.step()).summary();
            case APPROVAL -> shifter.record(in.rollout(), LedgerEntry.Type.APPROVAL, in.reason(), null, in.step())
                    .summary();
            case PURGE -> purged(shifter.purgeStaleCache(in.rollout(), in.prefix(), in.resumeAfter(), purgeDeadline),
                    in.pages());
            case PURGE_FAILED -> {
                metrics.cachePurgeUnfinished(in.rollout().target().functionName());
                yield shifter.recordUnfinishedPurge(in.rollout(), in.prefix(), in.reason(), in.step()).summary();
            }
            case REVERT_PROMOTION -> weightChanged(shifter.revertPromotion(in.rollout(), in.executionArn(),
                    in.reason() == null || in.reason().isBlank() ? "the promoted version failed its bake" : in.reason(),
                    in.step()));
            case CLEAN_UP -> weightChanged(in.succeeded()
                    ? shifter.finishAfterSucceededExecution(in.rollout(), in.executionArn(), in.reason(), in.step())
                    : shifter.cleanUpAfterStoppedExecution(in.rollout(), in.executionArn(), in.reason(), in.step(),
                    purgeDeadline, () -> metrics.cachePurgeUnfinished(in.rollout().target().functionName())));
            case IGNORE -> Map.of("ignored", in.reason());
        };
    }

    /**
     * What the state machine loops on: {@code complete}, else the next page starts at {@code resumeAfter} in
     * {@code prefix}. Both are always present (null when there is none), so the machine's paths to them always resolve.
     */
    private static ObjectNode purged(WeightShifter.StaleCachePurge purge, long pagesBefore) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("prefix", purge.prefix());
        out.put("complete", purge.page().complete());
        out.put("resumeAfter", purge.page().resumeAfter());
        out.put("removed", purge.page().removed());
        out.put("pages", pagesBefore + 1);
        return out;
    }

    /** {@code plan}, unless it reaches outside what the stack lets a rollout touch (every problem at once). */
    private RolloutRequest withinLimits(RolloutRequest plan) {
        List<Problem> problems = limits.problems(plan);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("weight shifter input", problems);
        }
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
