package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The repository's ASL files are what the stack deploys: every {@code ${...}} placeholder in a file is exactly a
 * substitution the stack passes for that machine, and the definition is the file's text.
 */
class StateMachineDefinitionsTest {
    private final TemplateJson json = new TemplateJson(SynthesizedController.production().template);

    @Test
    void theRepositoryHasTheRolloutAndStageDefinitions() throws IOException {
        try (Stream<Path> files = Files.list(SynthesizedController.STATE_MACHINES)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".asl.json")))
                    .containsExactlyInAnyOrder(ControllerStack.ROLLOUT_ASL, ControllerStack.STAGE_ASL);
        }
    }

    @Test
    void stageMachineSubstitutesExactlyThePlaceholdersOfItsFile() throws IOException {
        assertSubstitutionsMatchFile("StageMachine", ControllerStack.STAGE_ASL);
    }

    @Test
    void rolloutMachineSubstitutesExactlyThePlaceholdersOfItsFile() throws IOException {
        assertSubstitutionsMatchFile("RolloutMachine", ControllerStack.ROLLOUT_ASL);
    }

    @Test
    void substitutionsPointAtTheLiveAliasesTheStageMachineTheTopicAndTheBucket() {
        JsonNode stage = substitutions("StageMachine");
        assertThat(stage.at("/WeightShifterFunctionArn/Ref").asText()).startsWith("WeightShifterLive");
        assertThat(stage.at("/ProbeReplayFunctionArn/Ref").asText()).startsWith("ProbeReplayLive");
        assertThat(stage.at("/GateEvaluationFunctionArn/Ref").asText()).startsWith("GateEvaluationLive");
        JsonNode rollout = substitutions("RolloutMachine");
        assertThat(rollout.at("/StageStateMachineArn/Ref").asText()).startsWith("StageMachine");
        assertThat(rollout.at("/ApprovalTopicArn/Ref").asText()).startsWith("NotificationsTopic");
        assertThat(rollout.at("/EvidenceBucketName/Ref").asText()).startsWith("Evidence");
    }

    @Test
    void definitionIsTheFileTextUnchanged() throws IOException {
        for (String[] machine : List.of(new String[] {"StageMachine", ControllerStack.STAGE_ASL},
                new String[] {"RolloutMachine", ControllerStack.ROLLOUT_ASL})) {
            JsonNode properties = json.one("AWS::StepFunctions::StateMachine", machine[0]).path("Properties");
            assertThat(TemplateJson.render(properties.path("DefinitionString")))
                    .isEqualTo(Files.readString(SynthesizedController.STATE_MACHINES.resolve(machine[1])));
        }
    }

    /**
     * A Lambda Task waits longer than its function may run: Lambda stops the function first, so no invocation outlives
     * the task that started it (one that did, e.g. a shift after its task gave up, is fenced anyway).
     */
    @Test
    void everyLambdaTaskOutlastsItsFunction() throws IOException {
        Map<String, Integer> functionTimeouts = new HashMap<>();
        for (String placeholder : List.of("WeightShifterFunctionArn", "ProbeReplayFunctionArn", "GateEvaluationFunctionArn")) {
            String alias = substitutions("StageMachine").at("/" + placeholder + "/Ref").asText();
            String function = json.one("AWS::Lambda::Alias", alias).at("/Properties/FunctionName/Ref").asText();
            functionTimeouts.put("${" + placeholder + "}",
                    json.one("AWS::Lambda::Function", function).at("/Properties/Timeout").asInt());
        }
        int lambdaTasks = 0;
        for (String file : List.of(ControllerStack.ROLLOUT_ASL, ControllerStack.STAGE_ASL)) {
            JsonNode states = TemplateJson.MAPPER.readTree(
                    Files.readString(SynthesizedController.STATE_MACHINES.resolve(file))).path("States");
            for (Map.Entry<String, JsonNode> state : (Iterable<Map.Entry<String, JsonNode>>) states::fields) {
                Integer functionTimeout = functionTimeouts.get(state.getValue().path("Resource").asText());
                if (functionTimeout != null) {
                    lambdaTasks++;
                    assertThat(state.getValue().path("TimeoutSeconds").asInt()).as(file + ": " + state.getKey())
                            .isGreaterThan(functionTimeout);
                }
            }
        }
        assertThat(lambdaTasks).isGreaterThan(10);
    }

    /** The rollback path waits out the late-raise window before it releases, rather than retrying until it has passed. */
    @Test
    void theRollbackPathWaitsTheLateRaiseWindowBeforeReleasing() throws IOException {
        JsonNode states = TemplateJson.MAPPER.readTree(Files.readString(
                SynthesizedController.STATE_MACHINES.resolve(ControllerStack.ROLLOUT_ASL))).path("States");
        JsonNode wait = states.path("Let any late shift end");
        assertThat(wait.path("Seconds").asLong()).isEqualTo(ControllerStack.LATE_RAISE_WINDOW.toSeconds());
        assertThat(wait.path("Next").asText()).isEqualTo("Release the rollout lock after rolling back");
    }

    /** Placeholders found with a deliberately broad pattern, not AslDefinition's, so a name it misses shows up here. */
    private void assertSubstitutionsMatchFile(String machine, String file) throws IOException {
        Set<String> placeholders = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{([^}]*)}").matcher(Files.readString(SynthesizedController.STATE_MACHINES.resolve(file)));
        while (m.find()) {
            placeholders.add(m.group(1));
        }
        Set<String> substituted = new TreeSet<>();
        substitutions(machine).fieldNames().forEachRemaining(substituted::add);
        assertThat(placeholders).as("placeholders in " + file).isNotEmpty();
        assertThat(substituted).as("DefinitionSubstitutions of " + machine).isEqualTo(placeholders);
    }

    private JsonNode substitutions(String machine) {
        return json.one("AWS::StepFunctions::StateMachine", machine).at("/Properties/DefinitionSubstitutions");
    }
}
