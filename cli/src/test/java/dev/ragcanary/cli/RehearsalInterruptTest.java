package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./canary rehearse} stopped by SIGTERM once its node processes run (the local runner, two dynalites): none of
 * them outlives it, and the report folder holds a partial report marked INTERRUPTED and no evidence store.
 */
class RehearsalInterruptTest {

    @Test
    void sigtermStopsEveryChildProcessAndLeavesAPartialReport(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report");
        Path console = dir.resolve("console.txt");
        Process rehearsal = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CanaryCli.class.getName(), "rehearse", "--report", report.toString())
                .directory(CliRun.repoRoot().toFile())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile())
                .start();
        List<ProcessHandle> children = List.of();
        try {
            children = awaitStarted(rehearsal, console);

            rehearsal.destroy(); // SIGTERM

            assertThat(rehearsal.waitFor(20, TimeUnit.SECONDS)).as(Files.readString(console)).isTrue();
            for (ProcessHandle child : children) {
                String command = child.info().commandLine().orElse("");
                assertThat(child.onExit().completeOnTimeout(child, 5, TimeUnit.SECONDS).get().isAlive())
                        .as("child %s outlived the rehearsal: %s", child.pid(), command).isFalse();
            }
            String out = Files.readString(console);
            assertThat(out).contains("INTERRUPTED: interrupted").contains("partial report " + report.resolve("report.html"));
            JsonNode data = Json.MAPPER.readTree(Files.readString(report.resolve("report.json")));
            assertThat(data.get("finalStatus").asText()).isEqualTo("INTERRUPTED");
            assertThat(data.get("banner").get("headline").asText()).startsWith("interrupted");
            assertThat(report.resolve("report.html")).isRegularFile();
            try (Stream<Path> left = Files.list(report)) {
                assertThat(left.map(p -> p.getFileName().toString())).as("no evidence store left")
                        .noneMatch(name -> name.startsWith(".evidence-store-"));
            }
        } finally {
            children.forEach(ProcessHandle::destroyForcibly);
            rehearsal.destroyForcibly();
        }
    }

    /** Waits until the rollout line is printed: the runner and both dynalites are up; returns them. */
    private static List<ProcessHandle> awaitStarted(Process rehearsal, Path console) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            assertThat(rehearsal.isAlive()).as(Files.readString(console)).isTrue();
            if (Files.readString(console).contains("rollout rag-answer-live-v42:")) {
                List<ProcessHandle> children = rehearsal.descendants().toList();
                assertThat(children).as("the local runner and two dynalites").hasSizeGreaterThanOrEqualTo(3);
                return children;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the rehearsal did not start within 60 s: " + Files.readString(console));
    }
}
