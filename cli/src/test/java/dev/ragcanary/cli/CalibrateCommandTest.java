package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrateCommandTest {

    @Test
    void calibratesTheSampleTargetAndWritesAFileTheGateReads(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("calibration.json");
        CliRun run = CliRun.of("calibrate", "--probes", "events/probes/gold.json", "--runs", "3", "--control", "topK=3",
                "--out", out.toString(), "--evidence-dir", dir.resolve("evidence").toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("run 1/3 seeds ").contains("run 3/3 seeds ");
        assertThat(run.out()).contains("ΔS median (canary - control)").contains("quality.deltaS.median")
                .contains("FAILS it").contains("unstable gold questions");
        Calibration c = Calibration.parse(out.toString(), Files.readString(out));
        assertThat(c.runs()).isEqualTo(3);
        assertThat(c.playbook().get("quality.deltaS.median").controlMeets()).as("ΔS median near 0.47").isFalse();
    }

    @Test
    void aStartInputNamingAGoodCalibrationIsValid(@TempDir Path dir) throws Exception {
        Path start = startWith(dir, CliRun.repoRoot().resolve("events/calibration/sample-target.json").toString());

        CliRun run = CliRun.of("validate", start.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"calibration\" : \"" + CliRun.repoRoot().resolve("events/calibration/sample-target.json"));
    }

    @Test
    void aBadCalibrationFileIsRefusedNamingTheField(@TempDir Path dir) throws Exception {
        ObjectNode calibration = (ObjectNode) Json.MAPPER.readTree(
                Files.readString(CliRun.repoRoot().resolve("events/calibration/sample-target.json")));
        ((ObjectNode) calibration.path("metrics").path("deltaSMedian")).put("method", "guess");
        Path bad = dir.resolve("bad-calibration.json");
        Files.writeString(bad, Json.pretty(calibration));

        CliRun run = CliRun.of("validate", startWith(dir, bad.toString()).toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("calibration " + bad).contains("$.metrics.deltaSMedian.method");
    }

    @Test
    void aTargetThatIsNeitherTheSampleNorAFunctionArnIsBadInput() {
        CliRun run = CliRun.of("calibrate", "--probes", "events/probes/gold.json", "--target", "rag-answer");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--target: expected \"sample\" or a Lambda function ARN");
    }

    @Test
    void aDeployedVersionNeedsAws() {
        CliRun run = CliRun.of("calibrate", "--probes", "events/probes/gold.json", "--target",
                "arn:aws:lambda:us-east-1:123456789012:function:rag-answer:41");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("needs AWS").contains("function rag-answer, qualifier 41 in us-east-1");
    }

    private static Path startWith(Path dir, String calibration) throws Exception {
        ObjectNode start = (ObjectNode) Json.MAPPER.readTree(Files.readString(CliRun.repoRoot().resolve("events/start-rollout.json")));
        start.put("calibration", calibration);
        Path file = dir.resolve("start.json");
        Files.writeString(file, Json.pretty(start));
        return file;
    }
}
