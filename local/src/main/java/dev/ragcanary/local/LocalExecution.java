package dev.ragcanary.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;

/**
 * One run of a state machine file in a {@link LocalRunner} (aws-local-stepfunctions in a node process): Task states
 * invoke the functions registered on a {@link LocalLambdaEndpoint}, nested {@code startExecution.sync:2} runs the stage
 * file, Wait states only advance a virtual clock. Events reach the listener as they happen.
 */
public final class LocalExecution {

    /**
     * @param clockStart             virtual time at which the execution starts ({@code $$.State.EnteredTime})
     * @param realMsPerVirtualSecond real milliseconds a Wait state takes per second it stands for (0: no real wait)
     * @param timeout                longest the run may take in real time before it is stopped
     * @param abortOn                stop the execution on entry to this state, or null
     */
    public record Options(Instant clockStart, double realMsPerVirtualSecond, Duration timeout, AbortOn abortOn) {
        public static final Options FAST = new Options(Instant.parse("2026-01-05T09:00:00Z"), 0, Duration.ofMinutes(10),
                null);

        public Options(Instant clockStart, double realMsPerVirtualSecond, Duration timeout) {
            this(clockStart, realMsPerVirtualSecond, timeout, null);
        }

        public Options withAbortOn(AbortOn rule) {
            return new Options(clockStart, realMsPerVirtualSecond, timeout, rule);
        }
    }

    /**
     * StopExecution at the moment {@code state} of {@code machine} ("rollout" or "stage") is entered for the
     * {@code occurrence}-th time in the run. No Task starts afterwards.
     *
     * @param state null for the machine's first state (for the stage machine: when a stage starts)
     * @param stage null for any; else only entries in stage executions of this stage count
     */
    public record AbortOn(String machine, String state, String stage, int occurrence) {
        public AbortOn {
            if (!machine.equals("rollout") && !machine.equals("stage")) {
                throw new IllegalArgumentException("machine must be rollout or stage but was " + machine);
            }
            if (stage != null && !machine.equals("stage")) {
                throw new IllegalArgumentException("only stage executions have a stage; machine was " + machine);
            }
            if (occurrence < 1) {
                throw new IllegalArgumentException("occurrence counts from 1 but was " + occurrence);
            }
        }
    }

    private final LocalRunner runner;
    private final ExecutionListener listener;
    private final Duration timeout;
    private final CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    private final Thread delivery;
    private String runId;

    private LocalExecution(LocalRunner runner, ExecutionListener listener, Duration timeout) {
        this.runner = runner;
        this.listener = listener;
        this.timeout = timeout;
        this.delivery = new Thread(this::deliver, "local-execution-events");
        delivery.setDaemon(true);
        delivery.start();
    }

    /**
     * Starts the rollout machine (with the stage machine available for nested runs) on {@code input} in
     * {@code runner}, as the execution {@code executionName} (its ARN is {@link #executionArn(String, String)} of
     * "rollout"); Tasks invoke the functions on {@code endpoint}.
     */
    public static LocalExecution startRollout(LocalRunner runner, ProjectLayout layout, URI endpoint,
                                              String executionName, JsonNode input, Options options,
                                              ExecutionListener listener) {
        return start("rollout", runner, layout, endpoint, executionName, input, options, listener);
    }

    /**
     * Starts one execution of the stage machine on its own, as the rollout machine's {@code startExecution.sync:2}
     * would (the input names the starting execution in {@code AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID}).
     */
    public static LocalExecution startStage(LocalRunner runner, ProjectLayout layout, URI endpoint,
                                            String executionName, JsonNode input, Options options,
                                            ExecutionListener listener) {
        return start("stage", runner, layout, endpoint, executionName, input, options, listener);
    }

    private static LocalExecution start(String root, LocalRunner runner, ProjectLayout layout, URI endpoint,
                                        String executionName, JsonNode input, Options options,
                                        ExecutionListener listener) {
        ObjectNode config = Json.MAPPER.createObjectNode();
        ObjectNode machines = config.putObject("machines");
        machines.put("rollout", layout.rolloutMachine().toString());
        machines.put("stage", layout.stageMachine().toString());
        config.put("root", root);
        config.put("executionName", executionName);
        config.put("endpoint", endpoint.toString());
        config.put("clockStart", options.clockStart().toString());
        config.put("realMsPerVirtualSecond", options.realMsPerVirtualSecond());
        if (options.abortOn() != null) {
            config.set("abortOn", Json.MAPPER.valueToTree(options.abortOn()));
        }
        config.set("input", input);
        LocalExecution execution = new LocalExecution(runner, listener, options.timeout());
        execution.runId = runner.start(execution, config);
        return execution;
    }

    /** The ARN run-execution.mjs gives an execution of {@code machine} named {@code executionName}. */
    public static String executionArn(String machine, String executionName) {
        return "arn:aws:states:us-east-1:000000000000:execution:" + machine + ":" + executionName;
    }

    /**
     * How the execution ended, or empty while it runs. A runner that broke counts as a FAILED execution with the
     * runner's error as its cause.
     */
    public Optional<ExecutionResult> endedWith() {
        if (!result.isDone()) {
            return Optional.empty();
        }
        try {
            return Optional.of(result.join());
        } catch (CompletionException | CancellationException broken) {
            return Optional.of(new ExecutionResult("FAILED", null, "Local.RunnerError", String.valueOf(broken.getMessage()),
                    0, 0, null, List.of()));
        }
    }

    /**
     * Stops the execution as StopExecution would: every running (nested) execution ends ABORTED. Returns once the
     * runner has taken the stop (no Task starts after it; one already running finishes), or the run has ended.
     */
    public void abort() {
        runner.abort(runId);
        try {
            CompletableFuture.anyOf(stopped, result).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The run broke or hangs; await() reports it.
        }
    }

    /** Waits for the end of the execution. */
    public ExecutionResult await() {
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            runner.abort(runId);
            throw new IllegalStateException("local execution still running after " + timeout + "; stopped it. "
                    + runner.stderr(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runner.abort(runId);
            throw new IllegalStateException("interrupted while waiting for the local execution", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("local execution runner failed: " + e.getCause().getMessage() + ". "
                    + runner.stderr(), e.getCause());
        }
    }

    /** The runner broke: the execution ends with that error. */
    void broken(Throwable cause) {
        result.completeExceptionally(cause);
        delivery.interrupt();
    }

    /**
     * A line from the runner for this run, delivered in order on this run's own thread; the stop's acknowledgement is
     * taken at once, since a listener may be waiting for it on that thread.
     */
    void receive(JsonNode event) {
        if ("aborted".equals(event.path("type").asText())) {
            stopped.complete(null);
        } else {
            inbox.add(event);
        }
    }

    private void deliver() {
        try {
            boolean last = false;
            while (!last) {
                last = dispatch(inbox.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            result.completeExceptionally(e);
        }
    }

    /** @return whether the line was the run's last (its result) */
    private boolean dispatch(JsonNode event) throws IOException {
        switch (event.path("type").asText()) {
            case "state" -> listener.onState(new StateEvent(event.path("event").asText(), text(event, "execution"),
                    text(event, "machine"), text(event, "state"), text(event, "stateType"), instant(event),
                    text(event, "error"), event.has("attempt") ? event.get("attempt").asInt() : null));
            case "execution" -> listener.onExecution(new ExecutionEvent(event.path("event").asText(),
                    text(event, "execution"), text(event, "machine"), text(event, "parent"), event.get("input"),
                    event.get("output"), text(event, "error"), text(event, "cause"), instant(event)));
            case "result" -> {
                result.complete(new ExecutionResult(event.path("status").asText(), event.get("output"),
                        text(event, "error"), text(event, "cause"), event.path("transitions").asLong(),
                        event.path("maxPayloadBytes").asLong(), text(event, "maxPayloadState"),
                        Json.MAPPER.convertValue(event.path("executions"), new TypeReference<List<ExecutionResult.Stats>>() {
                        })));
                return true;
            }
            default -> throw new IOException("unexpected line from run-execution.mjs: " + event);
        }
        return false;
    }

    private static String text(JsonNode event, String field) {
        JsonNode value = event.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode event) {
        String at = text(event, "at");
        return at == null ? null : Instant.parse(at);
    }
}
