package dev.ragcanary.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.ragcanary.core.RepoFiles;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * schemas/start-rollout.schema.json and RolloutRequestParser judge the same files the same way. Files named
 * {@code semantic-*} break rules a JSON Schema cannot express, so only the parser refuses them.
 */
class StartInputSchemaAgreementTest {
    private static final JsonSchema SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
            .getSchema(RepoFiles.read("schemas/start-rollout.schema.json"));

    static Stream<Path> validFiles() throws IOException {
        return Stream.concat(Stream.of(RepoFiles.path("events/start-rollout.json"), RepoFiles.path("events/start-rollout-minimal.json")),
                list("valid"));
    }

    static Stream<Path> invalidFiles() throws IOException {
        return list("invalid");
    }

    @ParameterizedTest
    @MethodSource("validFiles")
    void validFilesPassBoth(Path file) throws IOException {
        JsonNode doc = Json.MAPPER.readTree(Files.readString(file));

        assertThat(SCHEMA.validate(doc)).isEmpty();
        assertThatCode(() -> RolloutRequestParser.parse(doc)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @MethodSource("invalidFiles")
    void invalidFilesFailTheParserAndTheSchemaWhereItCanSay(Path file) throws IOException {
        JsonNode doc = Json.MAPPER.readTree(Files.readString(file));
        Set<ValidationMessage> schemaErrors = SCHEMA.validate(doc);

        assertThatThrownBy(() -> RolloutRequestParser.parse(doc)).isInstanceOf(InvalidInputException.class);
        if (file.getFileName().toString().startsWith("semantic-")) {
            assertThat(schemaErrors).as("schema cannot express this rule").isEmpty();
        } else {
            assertThat(schemaErrors).isNotEmpty();
        }
    }

    private static Stream<Path> list(String folder) throws IOException {
        try (Stream<Path> files = Files.list(RepoFiles.path("functions/core/src/test/resources/start-inputs/" + folder))) {
            return files.sorted().toList().stream();
        }
    }
}
