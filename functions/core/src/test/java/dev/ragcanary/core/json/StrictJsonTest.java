package dev.ragcanary.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
    @Test
    void nestingDeeperThanTheLimitIsAProblemAtItsPathNotAStackTrace() {
        String deep = "{\"stages\": [{\"name\": " + "[".repeat(2000) + "]".repeat(2000) + "}]}";

        assertThat(problems(deep, 1 << 20)).singleElement().satisfies(p -> {
            assertThat(p.path()).startsWith("$.stages[0].name[0][0]");
            assertThat(p.message()).isEqualTo("nested deeper than " + StrictJson.MAX_DEPTH + " levels");
        });
    }

    @Test
    void aDuplicateKeyIsRefusedWhereItIs() {
        assertThat(problems("{\"target\": {\"alias\": \"live\", \"alias\": \"prod\"}}", 1 << 20))
                .containsExactly(new Problem("$.target.alias", "duplicate key \"alias\" (a key may appear once in an object)"));
    }

    @Test
    void numbersThatDoNotFitADoubleAreRefusedEachAtItsPath() {
        assertThat(problems("{\"a\": [1, 1e999], \"b\": {\"c\": -1e400}}", 1 << 20)).extracting(Problem::path)
                .containsExactlyInAnyOrder("$.a[1]", "$.b.c");
        assertThat(problems("{\"a\": NaN}", 1 << 20)).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("not valid JSON"));
    }

    @Test
    void aDocumentLargerThanItsLimitIsRefusedBeforeItIsParsed() {
        String big = "[\"" + "é".repeat(600) + "\"]";

        assertThat(problems(big, 1024)).singleElement()
                .satisfies(p -> assertThat(p.message()).isEqualTo("is larger than the 1 KiB this input may be"));
        assertThat(problems(big, 2048)).isEmpty();
        assertThatThrownBy(() -> StrictJson.read("x", big.getBytes(StandardCharsets.UTF_8), 1024))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("1 KiB, larger than the 1 KiB");
    }

    @Test
    void trailingContentAndEmptyDocumentsAreRefused() {
        assertThat(problems("{\"a\": 1} {\"b\": 2}", 1 << 20)).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("not valid JSON"));
        assertThat(problems("  ", 1 << 20)).containsExactly(new Problem("$", "document is empty"));
    }

    private static List<Problem> problems(String text, int maxBytes) {
        try {
            StrictJson.read("test document", text, maxBytes);
            return List.of();
        } catch (InvalidInputException e) {
            return e.problems();
        }
    }
}
