package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Every error name in a Retry or Catch of the two machines is one the Task's integration reports, as listed with its
 * AWS documentation page in {@code statemachine/error-names.json}: ErrorEquals matches exactly, so a misspelt name
 * never matches and a transient error falls through to the rollback.
 */
class AslErrorNamesTest {
    private static final Path CATALOGUE = SynthesizedController.STATE_MACHINES.resolve("error-names.json");
    private static final Set<String> DOCUMENTED = Set.of("named", "rule");
    private static final Set<String> EVIDENCE = Set.of("named", "rule", "sdk-class", "project");

    /** One Retry or Catch entry of a Task: where it is, the Task's integration and the names it matches. */
    private record Matcher(String where, String integration, boolean retrier, List<String> names) {}

    private record Entry(String name, Set<String> integrations, String evidence, JsonNode json) {}

    @Test
    void everyErrorEqualsNameIsCataloguedForItsTasksIntegration() throws IOException {
        Map<String, Entry> catalogue = catalogue();
        List<String> unknown = new ArrayList<>();
        for (Matcher matcher : matchers()) {
            for (String name : matcher.names()) {
                Entry entry = catalogue.get(name);
                if (entry == null || !(entry.integrations().contains("*")
                        || entry.integrations().contains(matcher.integration()))) {
                    unknown.add(matcher.where() + ": " + name + " (" + matcher.integration() + ")");
                }
            }
        }
        assertThat(unknown).as("error names not in statemachine/error-names.json for their integration").isEmpty();
    }

    /** A retrier may add the SDK class name of an error, never rely on it alone: AWS documents the other name. */
    @Test
    void everyRetrierOfAnAwsErrorRetriesANameAwsDocuments() throws IOException {
        Map<String, Entry> catalogue = catalogue();
        List<String> undocumented = new ArrayList<>();
        for (Matcher matcher : matchers()) {
            List<String> aws = matcher.names().stream().map(catalogue::get)
                    .filter(e -> e != null && !e.evidence().equals("project") && !e.integrations().contains("*"))
                    .map(Entry::evidence).toList();
            if (matcher.retrier() && !aws.isEmpty() && aws.stream().noneMatch(DOCUMENTED::contains)) {
                undocumented.add(matcher.where() + ": " + matcher.names());
            }
        }
        assertThat(undocumented).as("retriers whose AWS error names are all undocumented").isEmpty();
    }

    /** The nested stage execution is refused with this name when the account's open executions are at the quota. */
    @Test
    void theStageExecutionRetriesTheExecutionLimitUnderTheNameAwsDocuments() throws IOException {
        List<Matcher> stageRetriers = matchers().stream()
                .filter(m -> m.retrier() && m.integration().equals("states:startExecution")).toList();
        assertThat(stageRetriers).isNotEmpty()
                .allSatisfy(m -> assertThat(m.names()).as(m.where()).contains("StepFunctions.ExecutionLimitExceeded"));
    }

    @Test
    void everyCatalogueEntryIsUsedAndNamesItsSource() throws IOException {
        Set<String> used = new TreeSet<>();
        matchers().forEach(m -> used.addAll(m.names()));
        JsonNode integrations = TemplateJson.MAPPER.readTree(CATALOGUE.toFile()).path("integrations");
        for (Entry entry : catalogue().values()) {
            assertThat(used).as("catalogued but matched nowhere").contains(entry.name());
            assertThat(EVIDENCE).as(entry.name() + " evidence").contains(entry.evidence());
            assertThat(entry.json().path("source").asText()).as(entry.name() + " source")
                    .startsWith("https://docs.aws.amazon.com/");
            assertThat(entry.integrations()).as(entry.name() + " integrations")
                    .allSatisfy(i -> assertThat(i.equals("*") || integrations.has(i)).as(i).isTrue());
            if (entry.evidence().equals("project")) {
                assertThat(SynthesizedController.STATE_MACHINES.resolveSibling(entry.json().path("thrownBy").asText()))
                        .as(entry.name() + " thrownBy").isRegularFile();
            }
        }
    }

    /** The integration a Task's Resource names: a substituted function ARN is a Lambda invocation. */
    static String integrationOf(String resource) {
        if (resource.startsWith("${") && resource.endsWith("FunctionArn}")) {
            return "lambda";
        }
        String service = resource.replaceFirst("^arn:aws:states:::", "");
        return service.startsWith("aws-sdk:")
                ? service.substring(0, service.indexOf(':', "aws-sdk:".length()))
                : service.replaceFirst("\\..*$", "");
    }

    private static Map<String, Entry> catalogue() throws IOException {
        Map<String, Entry> entries = new HashMap<>();
        for (JsonNode node : TemplateJson.MAPPER.readTree(CATALOGUE.toFile()).path("names")) {
            Set<String> integrations = new TreeSet<>();
            node.path("integrations").forEach(i -> integrations.add(i.asText()));
            Entry previous = entries.put(node.path("name").asText(),
                    new Entry(node.path("name").asText(), integrations, node.path("evidence").asText(), node));
            assertThat(previous).as("catalogued twice: " + node.path("name").asText()).isNull();
        }
        return entries;
    }

    private static List<Matcher> matchers() throws IOException {
        List<Matcher> matchers = new ArrayList<>();
        for (String file : List.of(ControllerStack.ROLLOUT_ASL, ControllerStack.STAGE_ASL)) {
            JsonNode machine = TemplateJson.MAPPER.readTree(
                    Files.readString(SynthesizedController.STATE_MACHINES.resolve(file)));
            machine.path("States").fields().forEachRemaining(state -> {
                String name = state.getKey();
                for (String field : List.of("Retry", "Catch")) {
                    int index = 0;
                    for (JsonNode entry : state.getValue().path(field)) {
                        List<String> names = new ArrayList<>();
                        entry.path("ErrorEquals").forEach(n -> names.add(n.asText()));
                        matchers.add(new Matcher(file + ": " + name + " " + field + "[" + index++ + "]",
                                integrationOf(state.getValue().path("Resource").asText()), field.equals("Retry"), names));
                    }
                }
            });
        }
        assertThat(matchers).hasSizeGreaterThan(20);
        return matchers;
    }
}
