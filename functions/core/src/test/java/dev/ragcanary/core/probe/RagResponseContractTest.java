package dev.ragcanary.core.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import org.junit.jupiter.api.Test;

class RagResponseContractTest {
    private final RagResponseContract contract = new RagResponseContract();

    private static final String VALID = """
            {"answer": "Roll back by stopping the execution.",
             "retrieved": [{"sectionId": "manual-rollback", "text": "To roll back by hand...", "score": 7.2}],
             "index": {"INDEX_HASH": "0x9a77", "metric": "bm25", "analyzer": "english"},
             "cache": {"prefix": "v2-cnr:", "hit": true},
             "extra": "allowed"}""";

    @Test
    void acceptsTheContract() {
        JsonNode response = Json.parse("r", VALID);
        assertThat(contract.violations(response, null)).isEmpty();
        RagResponse parsed = Json.MAPPER.convertValue(response, RagResponse.class);
        assertThat(parsed.topSection()).isEqualTo("manual-rollback");
        assertThat(parsed.index().indexHash()).isEqualTo("0x9a77");
        assertThat(parsed.cache().hit()).isTrue();
    }

    @Test
    void reportsEveryViolationWithItsPath() {
        JsonNode response = Json.parse("r", """
                {"answer": 3, "retrieved": [{"sectionId": "", "text": "t"}],
                 "index": {"INDEX_HASH": "0x1", "metric": "bm25"}}""");

        assertThat(contract.violations(response, null))
                .anySatisfy(m -> assertThat(m).contains("$.answer"))
                .anySatisfy(m -> assertThat(m).contains("$.retrieved[0]").contains("score"))
                .anySatisfy(m -> assertThat(m).contains("$.retrieved[0].sectionId"))
                .anySatisfy(m -> assertThat(m).contains("analyzer"))
                .anySatisfy(m -> assertThat(m).contains("cache"));
    }

    @Test
    void plainTextIsAViolation() {
        assertThat(contract.violations(Json.MAPPER.getNodeFactory().textNode("Internal error"), null)).isNotEmpty();
    }
}
