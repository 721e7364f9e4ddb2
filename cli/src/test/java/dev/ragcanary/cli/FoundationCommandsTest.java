package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FoundationCommandsTest {

    @ParameterizedTest(name = "{0} -> exit {1} {2}")
    @CsvSource({
            "healthy-canary, 0, PROMOTE, ''",
            "p95-regression-stage-one, 3, ROLLBACK, live.latency.p95.ratio",
            "new-failure-class, 3, ROLLBACK, live.errors.newFailureClass",
            "low-topic-coverage-stage-five, 3, ROLLBACK, quality.coverage.perTopic",
            "index-mismatch-regions, 3, ROLLBACK, index.fingerprint.regionParity",
            "cache-collision, 3, ROLLBACK, live.cache.prefixCollisions",
            "lambda-flips-fifty, 3, ROLLBACK, quality.lambda.flipsPerQuestion",
            "too-few-samples, 4, EXTEND, ''",
            "incomplete-replay-stage-five, 4, HOLD, probe replay incomplete"})
    void judgeGivesEachEvidenceBundleItsDocumentedDecision(String bundle, int exit, String decision, String failingRule) throws Exception {
        CliRun run = CliRun.of("judge", "events/evidence/" + bundle + ".json");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(exit);
        JsonNode verdict = Json.MAPPER.readTree(run.out());
        assertThat(verdict.get("decision").asText()).isEqualTo(decision);
        if (!failingRule.isEmpty()) {
            assertThat(verdict.get("reason").asText()).contains(failingRule);
        }
    }

    @Test
    void judgeAcceptsOtherThresholdsAndAnotherStage(@TempDir Path dir) throws Exception {
        Path lenient = Files.writeString(dir.resolve("lenient.json"), "{\"latencyP95RatioMax\": 2.0, \"medianShiftTolerance\": 2.0}");

        // both latency rules pass with the lenient limits; 1,500 canary requests cannot yet bound the error-rate ratio,
        // so the statistical judge asks for another bake rather than promoting
        CliRun relaxed = CliRun.of("judge", "events/evidence/p95-regression-stage-one.json", "--thresholds", lenient.toString());
        assertThat(relaxed.exitCode()).as(relaxed.out()).isEqualTo(ExitCodes.EXTEND_OR_HOLD);
        JsonNode relaxedVerdict = Json.MAPPER.readTree(relaxed.out());
        assertThat(relaxedVerdict.get("rules")).filteredOn(r -> r.get("rule").asText().startsWith("live.latency."))
                .hasSize(2).allSatisfy(r -> assertThat(r.get("outcome").asText()).isEqualTo("PASS"));

        CliRun asShadow = CliRun.of("judge", "events/evidence/p95-regression-stage-one.json", "--stage", "shadow");
        assertThat(asShadow.exitCode()).isZero();
        assertThat(Json.MAPPER.readTree(asShadow.out()).get("stage").asText()).isEqualTo("shadow");
    }

    @Test
    void judgeNamesTheBadFieldAndExitsTwo(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"stage\": \"one\", \"live\": {\"control\": {\"requests\": \"many\"}}}");

        CliRun run = CliRun.of("judge", bad.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("$.live.control.requests");
        assertThat(CliRun.of("judge", "events/evidence/healthy-canary.json", "--thresholds", bad.toString()).exitCode()).isEqualTo(2);
        assertThat(CliRun.of("judge", dir.resolve("missing.json").toString()).err()).contains("no such file");
    }

    @Test
    void validatePrintsTheFilledInPlan() throws Exception {
        CliRun run = CliRun.of("validate", "events/start-rollout-minimal.json");

        assertThat(run.exitCode()).isZero();
        JsonNode plan = Json.MAPPER.readTree(run.out());
        assertThat(plan.get("rolloutId").asText()).isEqualTo("rag-answer-live-v42");
        assertThat(plan.get("stages")).hasSize(7);
        assertThat(plan.get("thresholds").get("latencyP95RatioMax").asDouble()).isEqualTo(1.25);
    }

    @Test
    void validateListsEveryProblemAndExitsTwo() {
        CliRun run = CliRun.of("validate", "functions/core/src/test/resources/contracts/start-rollout/invalid/schema-everything-wrong.json");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("9 problems").contains("$.target.canaryVersion").contains("$.sticky.hours")
                .contains("$.stages[1].weight").contains("$.colour");
    }

    @Test
    void bucketPrintsTheVariantAtEveryStage() {
        CliRun run = CliRun.of("bucket", "low-bucket-0", "--salt", "rag-answer-live-v42");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("shadow").contains("full").contains("-> canary").contains("-> control");
        assertThat(run.out().lines().filter(l -> l.contains("->")).count()).isEqualTo(7);
    }
}
