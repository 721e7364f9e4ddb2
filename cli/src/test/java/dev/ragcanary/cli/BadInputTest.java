package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every class of bad input a new user can give the file-reading commands gets exit 2 with the path and the problem:
 * nesting, size, duplicate keys, non-finite numbers, out-of-range values, and several problems at once.
 */
class BadInputTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"judge", "validate", "probes validate"})
    void jsonNestedDeeperThanAnyContractIsRefusedWithItsPath(String command) throws IOException {
        Path deep = write("deep.json", "{\"a\": " + "[".repeat(5000) + "]".repeat(5000) + "}");

        CliRun run = CliRun.of((command + " " + deep).split(" "));

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains("$.a[0][0]").contains("nested deeper than 64 levels")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void anObjectWhereAListBelongsIsAProblemNotACrashEvenWhereCodeChecksTheItems() throws IOException {
        String start = Files.readString(CliRun.repoRoot().resolve("events/start-rollout-minimal.json"))
                .replaceFirst("\\{", "{\"stages\": {\"a\": {}}, ");
        CliRun validate = CliRun.of("validate", write("stages.json", start).toString());
        CliRun probes = CliRun.of("probes", "validate", write("probes.json", "{\"probes\": {\"x\": {}}}").toString());
        CliRun rehearse = CliRun.of("rehearse", "--scenario", write("scenario.json",
                "{\"controlPlane\": {\"throttling\": {\"a\": {}}}, \"control\": {\"latencyMs\": {\"p95\": -1}}}")
                .toString(), "--report", dir.resolve("report").toString());

        assertThat(validate.exitCode()).as(validate.err()).isEqualTo(2);
        assertThat(validate.err()).contains("$.stages: object found, array expected").doesNotContain("Exception");
        assertThat(probes.exitCode()).as(probes.err()).isEqualTo(2);
        assertThat(probes.out() + probes.err()).contains("$.probes: object found, array expected")
                .doesNotContain("Exception");
        assertThat(rehearse.exitCode()).as(rehearse.err()).isEqualTo(2);
        assertThat(rehearse.err()).contains("$.controlPlane.throttling: object found, array expected")
                .contains("$.control.latencyMs.median").doesNotContain("Exception");
    }

    @Test
    void aDuplicateKeyIsRefusedNotSilentlyTheLastValue() throws IOException {
        String start = Files.readString(CliRun.repoRoot().resolve("events/start-rollout-minimal.json"))
                .replaceFirst("\"alias\": \"live\"", "\"alias\": \"live\", \"alias\": \"staging\"");
        CliRun run = CliRun.of("validate", write("dup.json", start).toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("$.target").contains("duplicate key \"alias\"");
    }

    @Test
    void aStartInputLargerThanAStepFunctionsInputIsRefused() throws IOException {
        String start = Files.readString(CliRun.repoRoot().resolve("events/start-rollout-minimal.json"))
                .replaceFirst("\\{", "{\"padding\": \"" + "x".repeat(10 * 1024 * 1024) + "\", ");
        CliRun run = CliRun.of("validate", write("big.json", start).toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("$: is larger than the 256 KiB this input may be");
    }

    @Test
    void judgeReportsEveryProblemOfEveryInputAtOnceAndJudgesNothing() throws IOException {
        String evidence = Files.readString(CliRun.repoRoot().resolve("events/evidence/healthy-canary.json"))
                .replaceFirst("\"mean\": 0.81", "\"mean\": 1.3")
                .replaceFirst("\"requests\": 600000", "\"requests\": -1")
                .replaceFirst("\"median\": 0.33", "\"median\": \"NaN\"")
                .replaceFirst("\"warmLatencyMs\": \\[", "\"warmLatencyMs\": [-5, ");
        Path thresholds = write("thresholds.json", "{\"coverageMin\": 2, \"judgeConfidence\": 1e999}");

        CliRun run = CliRun.of("judge", write("evidence.json", evidence).toString(), "--thresholds",
                thresholds.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).as("no verdict").isEmpty();
        assertThat(run.err()).contains("$.probes.canary.coverage.mean").contains("$.live.control.requests")
                .contains("$.probes.canary.deltaS.median").contains("$.live.control.warmLatencyMs[0]")
                .contains("--thresholds $.judgeConfidence: number Infinity is out of range (not finite)");
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
