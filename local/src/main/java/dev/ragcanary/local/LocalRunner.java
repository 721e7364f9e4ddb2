package dev.ragcanary.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code local/run-execution.mjs} node process serving many executions: starting node, loading
 * aws-local-stepfunctions and validating the state machine files happen once, not per rollout. Each
 * {@link LocalExecution} is a run in it; lines from node are handed to their run by id, which takes them in order on
 * a thread of its own (a listener that waits for another run cannot hold this one up). Thread-safe.
 */
public final class LocalRunner implements AutoCloseable {
    private final Process process;
    private final Writer stdin;
    private final StringBuilder stderr = new StringBuilder();
    private final Map<String, LocalExecution> runs = new ConcurrentHashMap<>();
    private final AtomicLong runIds = new AtomicLong();

    private LocalRunner(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Starts the node process; the first run pays for loading, the next ones do not. */
    public static LocalRunner start(ProjectLayout layout) {
        layout.nodeModule("aws-local-stepfunctions");
        try {
            Process process = new ProcessBuilder("node", layout.runnerScript().toString())
                    .directory(layout.root().toFile())
                    .start();
            LocalRunner runner = new LocalRunner(process);
            runner.readOutput();
            return runner;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start node (is Node.js 20+ on the PATH?): " + e.getMessage(), e);
        }
    }

    /** Registers {@code execution} under a new run id and sends its start request. */
    String start(LocalExecution execution, ObjectNode config) {
        String id = "run-" + runIds.incrementAndGet();
        runs.put(id, execution);
        config.put("type", "start");
        config.put("run", id);
        send(Json.compact(config));
        return id;
    }

    void abort(String runId) {
        ObjectNode request = Json.MAPPER.createObjectNode().put("type", "abort").put("run", runId);
        send(Json.compact(request));
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.isEmpty() ? "" : "node stderr: " + stderr;
        }
    }

    private synchronized void send(String line) {
        try {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            // The runner has ended; every run still waiting is told so by the output reader.
        }
    }

    private void readOutput() {
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
        }, "local-runner-stderr");
        errors.setDaemon(true);
        errors.start();
        Thread events = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    JsonNode event = Json.MAPPER.readTree(line);
                    String id = event.path("run").asText();
                    LocalExecution run = runs.get(id);
                    if (run != null) {
                        run.receive(event);
                        if ("result".equals(event.path("type").asText())) {
                            runs.remove(id);
                        }
                    }
                }
                errors.join();
            } catch (Exception | Error e) {
                runs.values().forEach(run -> run.broken(e));
                process.destroyForcibly();
                return;
            }
            IllegalStateException ended = new IllegalStateException("node exited before reporting a result. " + stderr());
            runs.values().forEach(run -> run.broken(ended));
        }, "local-runner-events");
        events.setDaemon(true);
        events.start();
    }

    /** Ends the node process: closing its input lets it exit; runs still going are stopped with it. */
    @Override
    public void close() {
        try {
            stdin.close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
