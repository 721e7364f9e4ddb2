package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InvokeCommandTest {

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("AWS_REGION", "us-east-1");
        return env;
    }

    @Test
    void runsTheHandlerOnTheEventAndPrintsItsOutput() throws Exception {
        CliRun run = CliRun.withEnv(env(), "invoke", "weight-shifter", "-e", "events/weight-shifter/validate.json",
                "--env", "ROLLOUTS_TABLE=rollouts");

        assertThat(run.exitCode()).as(run.err() + run.out()).isZero();
        JsonNode output = Json.MAPPER.readTree(run.out());
        assertThat(output.get("plan").get("rolloutId").asText()).isEqualTo("rag-answer-live-v42");
        assertThat(output.get("plan").get("stages")).hasSize(7);
    }

    @Test
    void aFailingHandlerPrintsLambdasErrorDocumentAndExitsOne() throws Exception {
        Map<String, String> env = env();
        env.remove("ROLLOUTS_TABLE");

        CliRun run = CliRun.withEnv(env, "invoke", "weight-shifter", "-e", "events/weight-shifter/validate.json");

        assertThat(run.exitCode()).isEqualTo(1);
        JsonNode error = Json.MAPPER.readTree(run.out());
        assertThat(error.get("errorType").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.get("errorMessage").asText()).contains("ROLLOUTS_TABLE");
        assertThat(error.get("stackTrace")).isNotEmpty();
    }

    @Test
    void badInputIsRefusedBeforeAnythingRuns() {
        CliRun unknown = CliRun.withEnv(env(), "invoke", "billing", "-e", "events/weight-shifter/validate.json");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown function \"billing\"").contains("weight-shifter, probe-replay");

        CliRun notJson = CliRun.withEnv(env(), "invoke", "weight-shifter", "-e", "events/../README.md");
        assertThat(notJson.exitCode()).isEqualTo(2);
        assertThat(notJson.err()).contains("not valid JSON");

        assertThat(CliRun.withEnv(env(), "invoke", "weight-shifter").exitCode()).as("-e is required").isEqualTo(2);
    }
}
