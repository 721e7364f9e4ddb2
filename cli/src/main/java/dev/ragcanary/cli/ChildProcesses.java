package dev.ragcanary.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops every process this JVM started, and theirs (the local runner's node, dynalite), when the JVM ends: on SIGTERM
 * or SIGINT the JVM runs shutdown hooks but no finally block that would close them, and a child outlives its parent.
 */
final class ChildProcesses {
    /** How long children get to end on SIGTERM before they are killed. */
    private static final long GRACE_MILLIS = 3_000;

    private ChildProcesses() {
    }

    /** Registers the hook that stops them; the entry point calls it once. */
    static void stopOnExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAll, "stop-child-processes"));
    }

    static void stopAll() {
        List<ProcessHandle> tree = ProcessHandle.current().descendants().toList();
        tree.forEach(ProcessHandle::destroy);
        CompletableFuture<?>[] exits = tree.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException stillRunning) {
            tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            tree.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }
}
