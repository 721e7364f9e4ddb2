package dev.ragcanary.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The ASL files themselves: valid, resilient on every Task, and no way to end a rollout with canary weight left. */
class StateMachineDefinitionsTest {
    private static final ProjectLayout LAYOUT = ProjectLayout.find();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final String ROLL_BACK = "Roll back the canary to weight zero";
    private static final String PROMOTE = "Promote the canary";
    private static final String OWNER_CHECK = "Does another execution own this rollout?";
    private static final String JOIN = "Wait for the running rollout";

    @Test
    void bothFilesPassAslValidator() throws Exception {
        Path validator = LAYOUT.nodeModule("asl-validator").resolve("dist/bin/asl-validator.js");
        Process process = new ProcessBuilder("node", validator.toString(),
                "--json-path", LAYOUT.rolloutMachine().toString(), "--json-path", LAYOUT.stageMachine().toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor()).as(output).isZero();
        assertThat(output).contains("rollout.asl.json\" is valid").contains("stage.asl.json\" is valid");
    }

    @Test
    void everyTaskRetriesTransientErrorsWithJitterAndCatchesEverything() throws IOException {
        for (Path file : List.of(LAYOUT.rolloutMachine(), LAYOUT.stageMachine())) {
            states(file).forEach((name, state) -> {
                if (!"Task".equals(state.path("Type").asText())) {
                    return;
                }
                assertThat(state.path("Retry").isArray() && !state.path("Retry").isEmpty()).as(name + " has Retry").isTrue();
                state.path("Retry").forEach(retrier -> {
                    assertThat(retrier.path("JitterStrategy").asText()).as(name + " jitter").isEqualTo("FULL");
                    assertThat(retrier.path("BackoffRate").asDouble()).as(name + " backoff").isGreaterThan(1);
                });
                assertThat(containsAll(state.path("Catch"))).as(name + " catches States.ALL").isTrue();
            });
        }
    }

    /**
     * One retry owner, said once per Task: one retrier each, and every Lambda Task that does not retry everything
     * retries the same names, the Lambda service's transient errors and the handlers' one transient error.
     */
    @Test
    void everyTaskHasOneRetrierAndTheLambdaTasksShareOneSetOfTransientNames() throws IOException {
        Set<List<String>> lambdaTransientNames = new HashSet<>();
        for (Path file : List.of(LAYOUT.rolloutMachine(), LAYOUT.stageMachine())) {
            states(file).forEach((name, state) -> {
                if (!"Task".equals(state.path("Type").asText())) {
                    return;
                }
                assertThat(state.path("Retry").size()).as(name + " retriers").isEqualTo(1);
                List<String> names = new ArrayList<>();
                state.path("Retry").get(0).path("ErrorEquals").forEach(n -> names.add(n.asText()));
                if (state.path("Resource").asText().endsWith("FunctionArn}") && !names.contains("States.ALL")) {
                    lambdaTransientNames.add(names);
                }
            });
        }

        assertThat(lambdaTransientNames).hasSize(1);
        assertThat(lambdaTransientNames.iterator().next()).filteredOn(n -> !n.startsWith("Lambda.")).hasSize(1);
    }

    /** The three approvals (entering a stage, a held stage, the promotion) are one ask and one ledger record. */
    @Test
    void oneAskAndOneLedgerRecordServeEveryApproval() throws IOException {
        Map<String, JsonNode> states = states(LAYOUT.rolloutMachine());
        List<String> asks = new ArrayList<>();
        List<String> records = new ArrayList<>();
        Set<String> kinds = new TreeSet<>();
        states.forEach((name, state) -> {
            if (state.path("Resource").asText().equals("arn:aws:states:::sns:publish.waitForTaskToken")) {
                asks.add(name);
            }
            if (state.at("/Parameters/action").asText().equals("approval")) {
                records.add(name);
            }
            if (state.path("ResultPath").asText().equals("$.ask")) {
                kinds.add(state.at("/Parameters/kind").asText());
            }
        });

        assertThat(asks).hasSize(1);
        assertThat(records).hasSize(1);
        assertThat(states.get(asks.get(0)).path("Next").asText()).isEqualTo(records.get(0));
        assertThat(kinds).containsExactlyInAnyOrder("held", "promotion", "stage");
        states.values().stream().filter(s -> s.path("ResultPath").asText().equals("$.ask"))
                .forEach(s -> assertThat(s.path("Next").asText()).isEqualTo(asks.get(0)));
    }

    @Test
    void everyRetriedJavaExceptionNameIsAClassTheHandlersCanThrow() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Path file : List.of(LAYOUT.rolloutMachine(), LAYOUT.stageMachine())) {
            states(file).values().forEach(state -> state.path("Retry")
                    .forEach(retrier -> retrier.path("ErrorEquals").forEach(e -> names.add(e.asText()))));
        }
        List<String> javaNames = names.stream().filter(n -> n.startsWith("dev.") || n.startsWith("software.")).toList();

        assertThat(javaNames).isNotEmpty();
        for (String name : javaNames) {
            assertThat(loads(name)).as(name + " (the Java runtime reports errorType as the exception's class name)")
                    .isTrue();
        }
    }

    private static boolean loads(String className) {
        try {
            return Throwable.class.isAssignableFrom(Class.forName(className));
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void afterTheLockEveryEndPassesThroughPromotionOrRollback() throws IOException {
        Map<String, JsonNode> states = states(LAYOUT.rolloutMachine());
        Set<String> unguardedEnds = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(successors(states.get("Take the rollout lock and record the control version")));
        todo.remove("Refuse the rollout");
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String name = todo.pop();
            // The join loop runs when another execution owns the rollout: it has nothing to roll back (next test).
            if (!seen.add(name) || name.equals(ROLL_BACK) || name.equals(PROMOTE) || name.equals(JOIN)) {
                continue;
            }
            JsonNode state = states.get(name);
            String type = state.path("Type").asText();
            if (type.equals("Fail") || type.equals("Succeed") || state.path("End").asBoolean()) {
                unguardedEnds.add(name);
            }
            todo.addAll(successors(state));
        }

        assertThat(seen).contains("Run the stage", "Ask a person to decide");
        assertThat(unguardedEnds).isEmpty();
    }

    @Test
    void anExecutionThatJoinsAnotherOnesRolloutNeverTouchesTheAliasTheLockOrTheLedger() throws IOException {
        Map<String, JsonNode> states = states(LAYOUT.rolloutMachine());
        assertThat(states.get("Take the rollout lock and record the control version").path("Next").asText())
                .isEqualTo(OWNER_CHECK);
        assertThat(successors(states.get(OWNER_CHECK))).containsExactlyInAnyOrder(JOIN, "Start with the first stage");

        Set<String> joinLoop = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(JOIN));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (joinLoop.add(name)) {
                todo.addAll(successors(states.get(name)));
            }
        }

        assertThat(joinLoop).doesNotContain(ROLL_BACK, PROMOTE, "Start with the first stage", "Run the stage");
        assertThat(joinLoop).filteredOn(name -> states.get(name).path("Type").asText().equals("Task"))
                .allSatisfy(name -> assertThat(states.get(name).path("Resource").asText())
                        .isEqualTo("arn:aws:states:::aws-sdk:sfn:describeExecution"));
        assertThat(joinLoop).filteredOn(name -> states.get(name).path("Type").asText().equals("Fail"))
                .isNotEmpty();
        assertThat(joinLoop).filteredOn(name -> states.get(name).path("Type").asText().equals("Succeed"))
                .containsExactly("The joined rollout succeeded");
    }

    @Test
    void readmeListsExactlyThePlaceholdersTheFilesUse() throws IOException {
        Set<String> used = new TreeSet<>();
        for (Path file : List.of(LAYOUT.rolloutMachine(), LAYOUT.stageMachine())) {
            Matcher m = PLACEHOLDER.matcher(Files.readString(file));
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("^\\| `\\$\\{([^}]*)}`", Pattern.MULTILINE)
                .matcher(Files.readString(LAYOUT.root().resolve("statemachine/README.md")));
        while (m.find()) {
            documented.add(m.group(1));
        }

        assertThat(used).isNotEmpty().isEqualTo(documented);
    }

    private static boolean containsAll(JsonNode catchers) {
        for (JsonNode catcher : catchers) {
            for (JsonNode error : catcher.path("ErrorEquals")) {
                if (error.asText().equals("States.ALL")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Map<String, JsonNode> states(Path file) throws IOException {
        JsonNode states = Json.MAPPER.readTree(file.toFile()).path("States");
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        states.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static List<String> successors(JsonNode state) {
        List<String> next = new ArrayList<>();
        state.findValuesAsText("Next").forEach(next::add);
        if (state.has("Default")) {
            next.add(state.path("Default").asText());
        }
        return next;
    }
}
