package dev.ragcanary.core.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.JsonSchema;
import dev.ragcanary.core.RepoFiles;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ProbeSetParserTest {

    static String fixture(String name) {
        String folder = name.startsWith("valid") ? "valid" : "invalid";
        try (InputStream in = ProbeSetParserTest.class.getResourceAsStream("/contracts/probe-set/" + folder + "/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void readsAValidSet() {
        ProbeSet set = ProbeSetParser.parse(fixture("valid-50.json"));

        assertThat(set.probes()).hasSize(50);
        Probe first = set.probes().get(0);
        assertThat(first.id()).isEqualTo("q001");
        assertThat(first.paraphrases()).hasSize(3);
        assertThat(first.targetSections()).containsExactly("install-cdk");
    }

    @Test
    void theShippedGoldSetIsValid() throws IOException {
        String gold = RepoFiles.read("events/probes/gold.json");
        assertThat(ProbeSetParser.problems(gold)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "invalid-missing-topic.json    | $.probes[7].topic         | is required but missing",
            "invalid-two-paraphrases.json  | $.probes[2].paraphrases   | must have at least 3 items but found 2",
            "invalid-empty-target.json     | $.probes[4].targetSections| must not be empty",
            "invalid-no-target.json        | $.probes[5].targetSections| a probe needs a target",
            "invalid-too-few.json          | $.probes                  | must have at least 50 items but found 49",
            "invalid-too-many.json         | $.probes                  | must have at most 200 items but found 201",
            "invalid-blank-question.json   | $.probes[9].question      | must not be empty",
            "invalid-unknown-field.json    | $.probes[1].answer        | unknown field",
            "semantic-duplicate-id.json    | $.probes[6].id            | duplicate id \"q002\" (first used at $.probes[1].id)"})
    void reportsTheProblemWithItsPath(String file, String path, String message) {
        List<Problem> problems = ProbeSetParser.problems(fixture(file));

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).path()).isEqualTo(path);
        assertThat(problems.get(0).message()).contains(message);
    }

    @Test
    void reportsEveryProblemAtOnce() {
        String json = """
                {"probes": [{"id": "a", "paraphrases": ["x"]}, {"id": "a", "topic": "t", "question": "q",
                 "paraphrases": ["1", "2", "3"], "targetSections": ["s"]}]}""";

        assertThatThrownBy(() -> ProbeSetParser.parse(json))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList())
                .asList()
                .containsExactlyInAnyOrder("$.probes", "$.probes[0].topic", "$.probes[0].question",
                        "$.probes[0].paraphrases", "$.probes[0].targetSections", "$.probes[1].id");
    }

    @Test
    void syntaxErrorIsAProblemAtTheRoot() {
        assertThat(ProbeSetParser.problems("{\"probes\": [")).extracting(Problem::path).containsExactly("$.probes[0]");
    }
}
