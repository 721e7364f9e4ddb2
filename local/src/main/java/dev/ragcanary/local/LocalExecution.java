package dev.ragcanary.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of a state machine file by {@code local/run-execution.mjs} (aws-local-stepfunctions in a node process):
 * Task states invoke the functions registered on a {@link LocalLambdaEndpoint}, nested {@code startExecution.sync:2}
 * runs the stage file, Wait states only advance a virtual clock. Events reach the listener as they happen.
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
     * {@code occurrence}-th time in the run. No Task starts afterwards, except this state's own when
     * {@code letTaskRun} (a Lambda invoked just before the stop, still running after it).
     *
     * @param state null for the machine's first state (for the stage machine: when a stage starts)
     * @param stage null for any; else only entries in stage executions of this stage count
     */
    public record AbortOn(String machine, String state, String stage, int occurrence, boolean letTaskRun) {
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

    private final Process process;
    private final Writer stdin;
    private final CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
    private final StringBuilder stderr = new StringBuilder();
    private final Duration timeout;

    private LocalExecution(Process process, Duration timeout) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.timeout = timeout;
    }

    /**
     * Starts the rollout machine (with the stage machine available for nested runs) on {@code input}, as the
     * execution {@code executionName} (its ARN is {@link #executionArn(String, String)} of "rollout").
     */
    public static LocalExecution startRollout(ProjectLayout layout, URI endpoint, String executionName, JsonNode input,
                                              Options options, ExecutionListener listener) {
        layout.nodeModule("aws-local-stepfunctions");
        ObjectNode config = Json.MAPPER.createObjectNode();
        ObjectNode machines = config.putObject("machines");
        machines.put("rollout", layout.rolloutMachine().toString());
        machines.put("stage", layout.stageMachine().toString());
        config.put("root", "rollout");
        config.put("executionName", executionName);
        config.put("endpoint", endpoint.toString());
        config.put("clockStart", options.clockStart().toString());
        config.put("realMsPerVirtualSecond", options.realMsPerVirtualSecond());
        if (options.abortOn() != null) {
            config.set("abortOn", Json.MAPPER.valueToTree(options.abortOn()));
        }
        config.set("input", input);
        try {
            Process process = new ProcessBuilder("node", layout.runnerScript().toString())
                    .directory(layout.root().toFile())
                    .start();
            LocalExecution execution = new LocalExecution(process, options.timeout());
            execution.readEvents(listener);
            execution.send(Json.compact(config));
            return execution;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start node (is Node.js 20+ on the PATH?): " + e.getMessage(), e);
        }
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

    /** Stops the execution as StopExecution would: every running (nested) execution ends ABORTED. */
    public void abort() {
        send("abort");
    }

    /** Waits for the end of the execution. */
    public ExecutionResult await() {
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("local execution still running after " + timeout + "; stopped it. " + stderr(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for the local execution", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("local execution runner failed: " + e.getCause().getMessage() + ". " + stderr(), e.getCause());
        }
    }

    private synchronized void send(String line) {
        try {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            // The runner has already ended; there is nothing left to tell it.
        }
    }

    private String stderr() {
        synchronized (stderr) {
            return stderr.isEmpty() ? "" : "node stderr: " + stderr;
        }
    }

    private void readEvents(ExecutionListener listener) {
        Thread errors = new Thread(() -> {
            try (BufferedReader reader = process.errorReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // Process ended.
            }
        }, "local-execution-stderr");
        errors.setDaemon(true);
        errors.start();
        Thread events = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    dispatch(Json.MAPPER.readTree(line), listener);
                }
                process.waitFor();
                errors.join();
                result.completeExceptionally(new IllegalStateException("node exited with " + process.exitValue()
                        + " before reporting a result"));
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
                process.destroyForcibly();
            }
        }, "local-execution-events");
        events.setDaemon(true);
        events.start();
    }

    private void dispatch(JsonNode event, ExecutionListener listener) throws IOException {
        switch (event.path("type").asText()) {
            case "state" -> listener.onState(new StateEvent(event.path("event").asText(), text(event, "execution"),
                    text(event, "machine"), text(event, "state"), text(event, "stateType"), instant(event),
                    text(event, "error"), event.has("attempt") ? event.get("attempt").asInt() : null));
            case "execution" -> listener.onExecution(new ExecutionEvent(event.path("event").asText(),
                    text(event, "execution"), text(event, "machine"), text(event, "parent"), event.get("input"),
                    event.get("output"), text(event, "error"), text(event, "cause"), instant(event)));
            case "result" -> result.complete(new ExecutionResult(event.path("status").asText(), event.get("output"),
                    text(event, "error"), text(event, "cause"), event.path("transitions").asLong(),
                    event.path("maxPayloadBytes").asLong(), text(event, "maxPayloadState"),
                    Json.MAPPER.convertValue(event.path("executions"), new TypeReference<List<ExecutionResult.Stats>>() {
                    })));
            default -> throw new IOException("unexpected line from run-execution.mjs: " + event);
        }
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
