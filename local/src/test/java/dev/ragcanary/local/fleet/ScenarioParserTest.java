package dev.ragcanary.local.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.local.LocalRollout;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.sample.SampleRagConfig;
import dev.ragcanary.testsupport.ContractAgreement;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** schemas/scenario.schema.json and ScenarioParser judge scenario files the same way, where a schema can say it. */
class ScenarioParserTest {
    private static final ProjectLayout LAYOUT = ProjectLayout.find();

    static Stream<Path> shippedScenarios() throws IOException {
        try (Stream<Path> files = Files.list(LAYOUT.scenarios())) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedScenarios")
    void everyShippedScenarioPassesTheSchemaAndTheParser(Path file) throws IOException {
        assertThat(schemaMessages(Files.readString(file))).isEmpty();
        assertThat(Scenario.read(file, base(), LAYOUT.stageMachineStates()).name()).isEqualTo(file.getFileName().toString().replace(".json", ""));
    }

    @Test
    void aFileWithAMistakeInEveryPartIsRefusedNamingEachFieldAtOnce() throws IOException {
        String file = """
                {
                  "seed": "one",
                  "trafic": {},
                  "traffic": {"requestsPerSecond": -5, "stickyUsers": -1},
                  "control": {"latencyMs": {"median": 0, "p95": 420}, "schemaViolationRate": 0.1},
                  "canary": {
                    "errorRate": 1.5,
                    "cacheHitRatio": -0.1,
                    "failureClasses": {"5xx:OutOfMemory": 2},
                    "rag": {"topK": 0, "analyser": "english"},
                    "indexHashByRegion": {"eu-west-1": ""}
                  },
                  "controlPlane": {"throttling": [{"stage": "five", "call": "UpdateAliases", "times": -3, "when": 1}]},
                  "startInput": {"thresholds": {"lambdaDeltaSMax": 1.0, "deltaSMedianMax": 5}},
                  "approvals": "maybe",
                  "abort": {"stag": "five"},
                  "secondRollout": {"during": "one"}
                }
                """;

        assertThat(problemPaths(file)).containsExactlyInAnyOrder("$.seed", "$.trafic", "$.traffic.requestsPerSecond",
                "$.traffic.stickyUsers", "$.control.latencyMs.median", "$.control.schemaViolationRate",
                "$.canary.errorRate", "$.canary.cacheHitRatio", "$.canary.failureClasses.5xx:OutOfMemory",
                "$.canary.rag.topK", "$.canary.rag.analyser", "$.canary.indexHashByRegion.eu-west-1",
                "$.controlPlane.throttling[0].call", "$.controlPlane.throttling[0].times",
                "$.controlPlane.throttling[0].when",
                "$.startInput.thresholds.deltaSMedianMax", "$.approvals", "$.abort.stag", "$.abort.stage",
                "$.secondRollout.during", "$.secondRollout.duringStage");
        assertThat(schemaMessages(file)).isNotEmpty();
    }

    /** The egress knobs: shares within 0..1, no unknown field; read into the variant with the defaults filled in. */
    @Test
    void egressKnobsAreCheckedAndRead() throws IOException {
        assertThat(schemaMessages("""
                {"canary": {"egress": {"retryRate": 1.5, "retries": 2}}}
                """)).anySatisfy(m -> assertThat(m).contains("retryRate"))
                .anySatisfy(m -> assertThat(m).contains("retries"));

        Scenario read = ScenarioParser.parse("egress", "scenario egress", Json.parse("egress",
                "{\"canary\": {\"egress\": {\"retryRate\": 0.3}}}"), base(), LAYOUT.stageMachineStates());

        assertThat(read.canary().egress()).isEqualTo(new Scenario.Egress(0.001, 0.3, new Scenario.Latency(60, 150)));
        assertThat(read.control().egress()).isEqualTo(Scenario.Egress.HEALTHY);
    }

    @Test
    void rulesASchemaCannotSayAreCheckedByTheParserAlone() throws IOException {
        String file = """
                {
                  "control": {"latencyMs": {"median": 300, "p95": 200}},
                  "canary": {
                    "failureClasses": {"5xx:UpstreamTimeout": 0.5, "5xx:OutOfMemory": 0.3},
                    "indexHashByRegion": {"ap-south-1": "0xdead"},
                    "egress": {"ageMs": {"median": 300, "p95": 200}}
                  },
                  "controlPlane": {"throttling": [
                    {"stage": "fiv", "call": "UpdateAlias", "times": 3},
                    {"stage": "full", "call": "UpdateAlias", "times": 3},
                    {"stage": "ten", "call": "DynamoDB.PutItem", "times": 1},
                    {"stage": "ten", "call": "DynamoDB.PutItem", "times": 1}
                  ]},
                  "abort": {"stage": "five", "state": "Replay the probes"},
                  "secondRollout": {"duringStage": "one-and-a-half"}
                }
                """;

        assertThat(schemaMessages(file)).isEmpty();
        assertThat(problemPaths(file)).containsExactlyInAnyOrder("$.control.latencyMs.p95", "$.canary.failureClasses",
                "$.canary.indexHashByRegion.ap-south-1", "$.canary.egress.ageMs.p95", "$.controlPlane.throttling[0].stage",
                "$.controlPlane.throttling[1].stage", "$.controlPlane.throttling[3].call", "$.abort.state",
                "$.secondRollout.duringStage");
    }

    @Test
    void startInputFieldsAreCheckedAsTheRolloutReadsThemOnceLaidOverTheStartInput() throws IOException {
        String file = """
                {"startInput": {"approvalTimeoutSeconds": 5, "thresholds": {"lamdaDeltaSMax": 1.0}}}
                """;

        assertThat(schemaMessages(file)).isEmpty();
        assertThat(problemPaths(file)).containsExactlyInAnyOrder("$.startInput.approvalTimeoutSeconds",
                "$.startInput.thresholds.lamdaDeltaSMax");
    }

    @Test
    void theSchemaNamesEveryThrottledCallAndSampleTargetSetting() throws IOException {
        JsonNode schema = Json.MAPPER.readTree(LAYOUT.root().resolve("schemas/scenario.schema.json").toFile());

        assertThat(Json.MAPPER.convertValue(schema.at("/properties/controlPlane/properties/throttling/items/properties/call/enum"),
                List.class)).containsExactlyElementsOf(ControlPlaneThrottling.CALLS);
        assertThat(names(schema.at("/$defs/rag/properties"))).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(SampleRagConfig.class.getRecordComponents()).map(RecordComponent::getName).toList());
    }

    private static List<String> schemaMessages(String file) throws IOException {
        return ContractAgreement.schemaMessages(Contract.SCENARIO, file);
    }

    private static List<String> problemPaths(String file) {
        try {
            ScenarioParser.parse("test", "scenario test", Json.parse("test", file), base(), LAYOUT.stageMachineStates());
        } catch (InvalidInputException e) {
            return e.problems().stream().map(Problem::path).toList();
        }
        throw new AssertionError("the parser accepted " + file);
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode base() {
        return LocalRollout.baseStartInput(LAYOUT);
    }
}
