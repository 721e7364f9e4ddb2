package dev.ragcanary.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * A contract's schema file and the code that reads the contract judge the same files the same way. The schema is
 * read from the repository's {@code schemas/} by a validator of its own (not through {@link Contract}); files in
 * {@code valid/} must pass both, files in {@code invalid/} must be refused by the code with an
 * {@link InvalidInputException} and by the schema too, unless their name starts with {@code semantic-}: a rule only
 * code can say, which the schema must then accept.
 */
public final class ContractAgreement {
    private ContractAgreement() {
    }

    /**
     * @param folder holds {@code valid/} and {@code invalid/}; extra valid files (e.g. the examples under events/)
     *               may be given too
     * @param read   the code that reads the contract from its text
     */
    public static Stream<DynamicTest> of(Contract contract, Path folder, List<Path> moreValid, Consumer<String> read) {
        Stream<DynamicTest> valid = Stream.concat(files(folder.resolve("valid")), moreValid.stream()).map(file ->
                DynamicTest.dynamicTest("valid " + file.getFileName(), () -> {
                    String text = Files.readString(file);
                    assertEquals(List.of(), schemaMessages(contract, text), "the schema refuses " + file);
                    read.accept(text);
                }));
        Stream<DynamicTest> invalid = files(folder.resolve("invalid")).map(file ->
                refused(contract, file, file.getFileName().toString().startsWith("semantic-"), read));
        return Stream.concat(valid, invalid);
    }

    /**
     * Invalid examples kept outside the fixtures (e.g. under events/, where their names follow the handler's tests):
     * {@code schemaAndCode} must be refused by both, {@code codeOnly} by the code alone.
     */
    public static Stream<DynamicTest> refusedExamples(Contract contract, List<Path> schemaAndCode, List<Path> codeOnly,
                                                      Consumer<String> read) {
        return Stream.concat(schemaAndCode.stream().map(file -> refused(contract, file, false, read)),
                codeOnly.stream().map(file -> refused(contract, file, true, read)));
    }

    private static DynamicTest refused(Contract contract, Path file, boolean codeOnly, Consumer<String> read) {
        return DynamicTest.dynamicTest((codeOnly ? "invalid (code only) " : "invalid ") + file.getFileName(), () -> {
            String text = Files.readString(file);
            assertThrows(InvalidInputException.class, () -> read.accept(text), "the code accepts " + file);
            List<String> messages = schemaMessages(contract, text);
            if (codeOnly) {
                assertEquals(List.of(), messages, "a rule only code can say, yet the schema refuses " + file);
            } else {
                assertFalse(messages.isEmpty(), "the schema accepts " + file);
            }
        });
    }

    /** The repository's root, found by walking up from the working directory to the folder holding schemas/. */
    public static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("schemas/start-rollout.schema.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("schemas/ not found above " + Path.of("").toAbsolutePath());
    }

    /** The JSON files of a repository folder, e.g. the examples under events/. */
    public static List<Path> examples(String folder) {
        return files(repoRoot().resolve(folder)).toList();
    }

    /** What the repository's schema file of {@code contract}, read by a validator of its own, says of {@code text}. */
    public static List<String> schemaMessages(Contract contract, String text) throws IOException {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, builder ->
                builder.schemaMappers(m -> m.mapPrefix(Contract.SCHEMA_BASE, repoRoot().resolve("schemas").toUri().toString())));
        // "format" asserts, as the schemas mean it to (draft 2020-12 makes it an annotation unless asked).
        var schema = factory.getSchema(SchemaLocation.of(Contract.SCHEMA_BASE + contract.schemaFile()),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        return schema.validate(Json.MAPPER.readTree(text)).stream().map(Object::toString).toList();
    }

    private static Stream<Path> files(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> sorted = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertTrue(!sorted.isEmpty(), "no files in " + folder);
            return sorted.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
