package dev.ragcanary.local;

import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where the local runner finds the state machine files, the node script and node_modules: the project root, found by
 * walking up from the working directory (tests run in a module folder, ./canary in the root).
 */
public record ProjectLayout(Path root) {

    public static ProjectLayout find() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("statemachine/rollout.asl.json"))) {
                return new ProjectLayout(p);
            }
        }
        throw new IllegalStateException("no statemachine/rollout.asl.json in " + dir + " or any folder above it; "
                + "run from inside the rag-canary project");
    }

    public Path rolloutMachine() {
        return root.resolve("statemachine/rollout.asl.json");
    }

    public Path stageMachine() {
        return root.resolve("statemachine/stage.asl.json");
    }

    /** The names of the stage machine's states, as a scenario may name one. */
    public Set<String> stageMachineStates() {
        try {
            Set<String> names = new LinkedHashSet<>();
            Json.MAPPER.readTree(stageMachine().toFile()).path("States").fieldNames().forEachRemaining(names::add);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stageMachine(), e);
        }
    }

    public Path runnerScript() {
        return root.resolve("local/run-execution.mjs");
    }

    public Path scenarios() {
        return root.resolve("events/scenarios");
    }

    /** Fails with the command that fixes it when node_modules has not been installed. */
    public Path nodeModule(String name) {
        Path module = root.resolve("node_modules").resolve(name);
        if (!Files.isDirectory(module)) {
            throw new IllegalStateException(module + " is missing; run `npm ci --no-audit --no-fund` in " + root);
        }
        return module;
    }
}
