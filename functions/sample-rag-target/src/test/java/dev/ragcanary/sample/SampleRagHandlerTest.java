package dev.ragcanary.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.probe.RagResponseContract;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SampleRagHandlerTest {
    private static final Path EVENTS = Path.of("../../events/sample-rag-target");
    private final SampleRagHandler handler = new SampleRagHandler(new SampleRag(SampleRagConfig.DEFAULTS));

    private JsonNode invoke(String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(EVENTS.resolve(event))) {
            handler.handleRequest(in, out, null);
        }
        return Json.parse("response", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void answersAQuestionEvent() throws Exception {
        JsonNode response = invoke("question.json");

        assertThat(new RagResponseContract().violations(response, null)).isEmpty();
        assertThat(response.at("/retrieved/0/sectionId").asText()).isEqualTo("manual-rollback");
    }

    @Test
    void refusesABadRequestNamingEveryField() {
        assertThatThrownBy(() -> invoke("missing-question.json"))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).problems().stream().map(Problem::path).toList()).asList()
                .containsExactlyInAnyOrder("$.question", "$.seed");
    }
}
