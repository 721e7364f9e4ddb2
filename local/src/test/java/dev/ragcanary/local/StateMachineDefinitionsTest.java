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

        assertThat(seen).contains("Run the stage", "Ask a person to decide the held stage");
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
