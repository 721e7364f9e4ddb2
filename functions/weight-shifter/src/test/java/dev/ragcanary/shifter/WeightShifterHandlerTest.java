package dev.ragcanary.shifter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.metrics.ControllerMetrics;
import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.FunctionVersions.VersionConfiguration;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.PreflightFailedException;
import dev.ragcanary.core.traffic.WeightShifter;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.Events;
import dev.ragcanary.testsupport.InMemoryLambdaAliases;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WeightShifterHandlerTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable("rollouts"));

    private final InMemoryLambdaAliases lambda = new InMemoryLambdaAliases()
            .publish("us-east-1", "rag-answer", "41", "42").publish("eu-west-1", "rag-answer", "41", "42")
            .alias("us-east-1", "rag-answer", "live", "41").alias("eu-west-1", "rag-answer", "live", "41");
    private final DynamoDbLedger ledger = new DynamoDbLedger(DYNAMO.client(), "rollouts");
    private final List<String> purged = new ArrayList<>();
    private final List<String> metricLines = new ArrayList<>();
    /** What DescribeExecution answers, by execution ARN. */
    private final Map<String, String> startInputs = new HashMap<>();
    private final WeightShifterHandler handler = new WeightShifterHandler(new WeightShifter(lambda, lambda,
            new DynamoDbRolloutStore(DYNAMO.client(), "rollouts"), ledger, (prefix, resumeAfter, deadline) -> {
                purged.add(prefix);
                return new CachePurger.PurgePage(0, null);
            }, Clock.systemUTC()), new ControllerMetrics(metricLines::add, Clock.systemUTC()),
            arn -> Optional.ofNullable(startInputs.get(arn)), StackLimits.NONE);

    private JsonNode run(String json) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), out, null);
        return Json.parse("output", out.toString(StandardCharsets.UTF_8));
    }

    /** Each test runs on its own alias so they can share one dynalite. */
    private static String onAlias(String event, String alias) {
        return event.replace("\"alias\": \"live\"", "\"alias\": \"" + alias + "\"")
                .replace("\\\"alias\\\": \\\"live\\\"", "\\\"alias\\\": \\\"" + alias + "\\\"");
    }

    private void alias(String name) {
        lambda.alias("us-east-1", "rag-answer", name, "41").alias("eu-west-1", "rag-answer", name, "41");
    }

    @Test
    void validateReturnsTheFullPlan() throws IOException {
        JsonNode out = run(Events.load("weight-shifter/validate.json"));

        assertThat(out.path("plan").path("rolloutId").asText()).isEqualTo("rag-answer-live-v42");
        assertThat(out.path("plan").path("stages")).hasSize(7);
        assertThat(out.path("plan").path("thresholds").path("latencyP95RatioMax").asDouble()).isEqualTo(1.25);
    }

    @Test
    void startShiftRollbackReleaseFromTheExampleEvents() throws IOException {
        alias("a1");
        JsonNode started = run(onAlias(Events.load("weight-shifter/start.json"), "a1"));
        assertThat(started.path("controlVersion").asText()).isEqualTo("41");
        assertThat(started.path("status").asText()).isEqualTo("ACTIVE");

        JsonNode shifted = run(onAlias(Events.load("weight-shifter/shift.json"), "a1"));
        JsonNode again = run(onAlias(Events.load("weight-shifter/shift.json"), "a1"));
        assertThat(again).isEqualTo(shifted);
        assertThat(shifted.path("stage").asText()).isEqualTo("one");
        assertThat(shifted.path("weight").asDouble()).isEqualTo(0.01);
        assertThat(shifted.path("regionWeights")).isEqualTo(Json.parse("w", "{\"us-east-1\":0.01,\"eu-west-1\":0.0}"));
        assertThat(lambda.read("us-east-1", "rag-answer", "a1").additionalVersionWeights()).isEqualTo(Map.of("42", 0.01));

        JsonNode rolledBack = run(onAlias(Events.load("weight-shifter/rollback.json"), "a1"));
        assertThat(rolledBack.path("status").asText()).isEqualTo("ROLLED_BACK");
        assertThat(rolledBack.path("epoch").asLong()).isEqualTo(2);
        assertThat(rolledBack.path("weight").asDouble()).isZero();
        assertThat(lambda.read("us-east-1", "rag-answer", "a1").additionalVersionWeights()).isEmpty();
        assertThat(purged).isEmpty();
        JsonNode purge = run(onAlias(Events.load("weight-shifter/purge.json"), "a1"));
        assertThat(purge).isEqualTo(Json.parse("purge", "{\"prefix\": \"v2-cnr:\", \"complete\": true,"
                + " \"resumeAfter\": null, \"removed\": 0, \"pages\": 1}"));
        assertThat(purged).containsExactly("v2-cnr:");

        assertThat(run(onAlias(Events.load("weight-shifter/release.json"), "a1")).path("status").asText())
                .isEqualTo("RELEASED");
        assertThat(ledger.entries("rag-answer-live-v42")).extracting(LedgerEntry::type).containsExactly(
                LedgerEntry.Type.STARTED, LedgerEntry.Type.WEIGHT_SET, LedgerEntry.Type.ROLLED_BACK,
                LedgerEntry.Type.RELEASED);
        assertThat(metricLines).extracting(line -> Json.parse("emf", line))
                .extracting(line -> line.get("Stage").asText() + " " + line.get("CanaryWeight").asDouble())
                .containsExactly("one 1.0", "one 1.0", "one 0.0");
        assertThat(ledger.entries("rag-answer-live-v42").get(2).reason())
                .startsWith("gate ROLLBACK at stage one: p95 warm latency ratio 1.41 > 1.25")
                .contains("execution arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout");
    }

    @Test
    void aRolloutOfAnAliasTheStackDoesNotListIsRefusedBeforeAnythingChangesWithEveryOtherLimitItBreaks() throws IOException {
        alias("a10");
        WeightShifterHandler limited = new WeightShifterHandler(new WeightShifter(lambda, lambda,
                new DynamoDbRolloutStore(DYNAMO.client(), "rollouts"), ledger, CachePurger.NONE, Clock.systemUTC()),
                new ControllerMetrics(metricLines::add, Clock.systemUTC()), arn -> Optional.empty(),
                new DependencyFactory(Map.of("TARGET_ALIASES", "live,staging",
                        "PROBE_SET_LOCATIONS", "s3://rag-canary-evidence-1a2b/probe-sets/")).stackLimits());
        String start = onAlias(Events.load("weight-shifter/start.json"), "a10").replace("rag-answer-live-v42", "a10-test");

        for (String event : List.of(start, start.replace("\"action\": \"start\"", "\"action\": \"validate\""))) {
            assertThatThrownBy(() -> limited.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)),
                    new ByteArrayOutputStream(), null))
                    .isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).problems()).extracting(Problem::path)
                            .containsExactly("$.rollout.target.alias", "$.rollout.probeSet"))
                    .hasMessageContaining("only the aliases [live, staging]");
        }
        assertThat(ledger.entries("a10-test")).isEmpty();
        assertThat(new DynamoDbRolloutStore(DYNAMO.client(), "rollouts").read("rag-answer", "a10")).isEmpty();
    }

    @Test
    void aPersonsAnswerIsKeptInTheLedger() throws IOException {
        alias("a5");
        run(onAlias(Events.load("weight-shifter/start.json"), "a5").replace("rag-answer-live-v42", "approval-kept"));

        JsonNode state = run(onAlias(Events.load("weight-shifter/approval.json"), "a5").replace("rag-answer-live-v42", "approval-kept"));
        run(onAlias(Events.load("weight-shifter/approval.json"), "a5").replace("rag-answer-live-v42", "approval-kept"));

        assertThat(state.path("status").asText()).isEqualTo("ACTIVE");
        List<LedgerEntry> entries = ledger.entries("approval-kept");
        assertThat(entries).extracting(LedgerEntry::type).containsExactly(LedgerEntry.Type.STARTED, LedgerEntry.Type.APPROVAL);
        assertThat(entries.get(1).reason()).isEqualTo("approved by alice at stage fifty");
        assertThatThrownBy(() -> run(onAlias(Events.load("weight-shifter/approval.json"), "a5")
                .replace("\"approved\": true, ", "")))
                .hasMessageContaining("$.answer.approved");
    }

    @Test
    void promotePointsTheAliasAtTheCanary() throws IOException {
        String rollout = "\"rolloutId\": \"rag-answer-live-v42\"";
        alias("a2");
        run(onAlias(Events.load("weight-shifter/start.json"), "a2").replace(rollout, "\"rolloutId\": \"promote-test\""));

        JsonNode promoted = run(onAlias(Events.load("weight-shifter/promote.json"), "a2")
                .replace(rollout, "\"rolloutId\": \"promote-test\""));

        assertThat(promoted.path("status").asText()).isEqualTo("PROMOTED");
        assertThat(promoted.path("weight").asDouble()).isEqualTo(1.0);
        assertThat(lambda.read("eu-west-1", "rag-answer", "a2").functionVersion()).isEqualTo("42");
        assertThat(purged).isEmpty();
        run(onAlias(Events.load("weight-shifter/purge.json"), "a2").replace(rollout, "\"rolloutId\": \"promote-test\""));
        assertThat(purged).containsExactly("v1:");
    }

    @Test
    void aStatusEventWithoutTheInputHasItReadByTheExecutionArn() throws IOException {
        alias("a8");
        run(Events.load("weight-shifter/start.json").replace("\"rolloutId\": \"rag-answer-live-v42\"",
                "\"rolloutId\": \"large-input\"").replace("\"alias\": \"live\"", "\"alias\": \"a8\""));
        lambda.update("us-east-1", "rag-answer", "a8", "41", Map.of("42", 0.05),
                lambda.read("us-east-1", "rag-answer", "a8").revisionId());
        JsonNode event = Json.parse("event", Events.load("weight-shifter/execution-failed-input-left-out.json"));
        String executionArn = event.path("detail").path("executionArn").asText();
        assertThat(event.path("detail").path("input").isNull()).as("AWS leaves a large input out").isTrue();
        startInputs.put(executionArn, Json.parse("input", Json.parse("aborted", Events.load(
                "weight-shifter/execution-aborted.json")).path("detail").path("input").asText()).toString()
                .replace("rag-answer-live-v42", "large-input").replace("\"alias\":\"live\"", "\"alias\":\"a8\""));

        JsonNode out = run(event.toString());

        assertThat(out.path("status").asText()).isEqualTo("RELEASED");
        assertThat(lambda.read("us-east-1", "rag-answer", "a8").additionalVersionWeights()).isEmpty();
        assertThat(ledger.entries("large-input")).extracting(LedgerEntry::type).containsExactly(
                LedgerEntry.Type.STARTED, LedgerEntry.Type.ROLLED_BACK, LedgerEntry.Type.RELEASED);
    }

    @Test
    void aStatusEventWithoutTheInputOfAnExecutionThatDoesNotExistFailsSoTheCleanupAlarmFires() {
        // Which rollout the execution drove is unknown, and it may be ACTIVE: never answered "nothing to do".
        assertThatThrownBy(() -> run(Events.load("weight-shifter/execution-failed-input-left-out.json")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("carries no start input and no execution with that ARN exists");
    }

    @Test
    void aStoppedExecutionRollsItsRolloutBack() throws IOException {
        alias("a3");
        // Started by the execution the event below reports as aborted: that execution owns the rollout.
        run(Events.load("weight-shifter/start.json").replace("\"rolloutId\": \"rag-answer-live-v42\"",
                "\"rolloutId\": \"abort-test\"").replace("\"alias\": \"live\"", "\"alias\": \"a3\""));
        lambda.update("us-east-1", "rag-answer", "a3", "41", Map.of("42", 0.05),
                lambda.read("us-east-1", "rag-answer", "a3").revisionId());
        String event = Events.load("weight-shifter/execution-aborted.json")
                .replace("rag-answer-live-v42\\\"", "abort-test\\\"")
                .replace("\\\"alias\\\": \\\"live\\\"", "\\\"alias\\\": \\\"a3\\\"");

        JsonNode out = run(event);

        assertThat(lambda.read("us-east-1", "rag-answer", "a3").additionalVersionWeights()).isEmpty();
        assertThat(out.path("status").asText()).isEqualTo("RELEASED");
        assertThat(ledger.entries("abort-test")).extracting(LedgerEntry::type).containsExactly(
                LedgerEntry.Type.STARTED, LedgerEntry.Type.ROLLED_BACK, LedgerEntry.Type.RELEASED);
        assertThat(ledger.entries("abort-test").get(1).reason()).startsWith("execution ABORTED: arn:aws:states:");
    }

    @Test
    void aSecondExecutionOfTheSameRolloutGetsTheOwnerAndItsEndRollsNothingBack() throws IOException {
        alias("a4");
        String owner = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:rag-answer-live-v42";
        String retry = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:pipeline-retry";
        JsonNode started = run(joinTest(Events.load("weight-shifter/start.json")));
        run(joinTest(Events.load("weight-shifter/shift.json")));
        JsonNode joined = run(joinTest(Events.load("weight-shifter/start.json")).replace(owner, retry));
        String stopped = joinTest(Events.load("weight-shifter/execution-aborted.json"));

        JsonNode joinerStopped = run(stopped.replace(owner, retry));

        assertThat(started.path("ownerExecutionArn").asText()).isEqualTo(owner);
        assertThat(joined.path("ownerExecutionArn").asText()).isEqualTo(owner);
        assertThat(joinerStopped.path("status").asText()).isEqualTo("ACTIVE");
        assertThat(lambda.read("us-east-1", "rag-answer", "a4").additionalVersionWeights()).isEqualTo(Map.of("42", 0.01));
        assertThat(ledger.entries("join-test")).extracting(LedgerEntry::type)
                .containsExactly(LedgerEntry.Type.STARTED, LedgerEntry.Type.WEIGHT_SET);

        JsonNode ownerStopped = run(stopped);

        assertThat(ownerStopped.path("status").asText()).isEqualTo("RELEASED");
        assertThat(lambda.read("us-east-1", "rag-answer", "a4").additionalVersionWeights()).isEmpty();
    }

    private static String joinTest(String event) {
        return moved(event, "join-test", "a4");
    }

    /** An example event moved to another rollout id and alias (plain and inside the escaped start input). */
    private static String moved(String event, String rolloutId, String alias) {
        return onAlias(event, alias).replace("\"rolloutId\": \"rag-answer-live-v42\"", "\"rolloutId\": \"" + rolloutId + "\"")
                .replace("\\\"rolloutId\\\": \\\"rag-answer-live-v42\\\"", "\\\"rolloutId\\\": \\\"" + rolloutId + "\\\"");
    }

    @Test
    void aSucceededExecutionNeverRollsBackButReleasesALockItLeftHeld() throws IOException {
        alias("a6");
        run(moved(Events.load("weight-shifter/start.json"), "succeeded-test", "a6"));
        run(moved(Events.load("weight-shifter/shift.json"), "succeeded-test", "a6"));
        String succeeded = moved(Events.load("weight-shifter/execution-aborted.json"), "succeeded-test", "a6")
                .replace("\"ABORTED\"", "\"SUCCEEDED\"");

        assertThat(run(succeeded).path("status").asText()).as("an ACTIVE rollout is left running").isEqualTo("ACTIVE");
        run(moved(Events.load("weight-shifter/promote.json"), "succeeded-test", "a6"));
        JsonNode finished = run(succeeded);

        assertThat(finished.path("status").asText()).isEqualTo("RELEASED");
        assertThat(lambda.read("us-east-1", "rag-answer", "a6").functionVersion()).isEqualTo("42");
        assertThat(ledger.entries("succeeded-test")).extracting(LedgerEntry::type).endsWith(
                LedgerEntry.Type.PROMOTED, LedgerEntry.Type.INCOMPLETE, LedgerEntry.Type.RELEASED);
        assertThat(run(Events.load("weight-shifter/execution-aborted.json").replace("\"ABORTED\"", "\"RUNNING\""))
                .path("ignored").asText()).isEqualTo("execution status RUNNING");
    }

    @Test
    void aStoppedExecutionWhoseInputNeverValidatedHasNothingToUndo() throws IOException {
        JsonNode out = run(Events.load("weight-shifter/execution-aborted.json").replace("\\\"canaryVersion\\\": \\\"42\\\"",
                "\\\"canaryVersion\\\": \\\"$LATEST\\\""));

        assertThat(out.path("ignored").asText()).contains("invalid start input").contains("nothing to roll back");
    }

    @Test
    void aStartWhoseCanaryIsNotReadyInARegionTakesNoLockWritesNoLedgerAndLeavesTheAlias() {
        alias("a11");
        lambda.configure("eu-west-1", "rag-answer", new VersionConfiguration("42", "Pending", "InProgress",
                InMemoryLambdaAliases.ROLE, null));
        String start = onAlias(Events.load("weight-shifter/start.json"), "a11").replace("rag-answer-live-v42",
                "preflight-refused");

        assertThatThrownBy(() -> run(start))
                .as("not transient: the state machine's start task does not retry it, it refuses the rollout")
                .isExactlyInstanceOf(PreflightFailedException.class)
                .hasMessageContaining("$.target.canaryVersion: in eu-west-1, canary version 42: State is Pending,"
                        + " expected Active")
                .hasMessageContaining("LastUpdateStatus is InProgress, expected Successful");
        assertThat(new DynamoDbRolloutStore(DYNAMO.client(), "rollouts").read("rag-answer", "a11")).as("no lock")
                .isEmpty();
        assertThat(ledger.entries("preflight-refused")).as("no ledger entry").isEmpty();
        assertThat(lambda.read("eu-west-1", "rag-answer", "a11")).as("no alias change").extracting(AliasControl.AliasState::functionVersion, AliasControl.AliasState::additionalVersionWeights)
                .containsExactly("41", Map.of());
    }

    @Test
    void aProbeSetWhereTheProbeReplayMayNotReadIsRefusedAtValidationAndStart() throws IOException {
        WeightShifterHandler deployed = new WeightShifterHandler(new WeightShifter(lambda, lambda,
                new DynamoDbRolloutStore(DYNAMO.client(), "rollouts"), ledger, CachePurger.NONE, Clock.systemUTC()),
                new ControllerMetrics(metricLines::add, Clock.systemUTC()), arn -> Optional.empty(),
                new DependencyFactory(Map.of("PROBE_SET_LOCATIONS", "s3://rag-canary-evidence-1a2b/probe-sets/")).stackLimits());
        alias("a9");
        String elsewhere = onAlias(Events.load("weight-shifter/start.json"), "a9");

        for (String action : List.of("validate", "start")) {
            assertThatThrownBy(() -> deployed.handle(Json.parse("in", elsewhere.replace("\"action\": \"start\"",
                    "\"action\": \"" + action + "\"")), Instant.now()))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("$.rollout.probeSet: s3://rag-canary-probes/gold/rag-answer.json is outside"
                            + " what this stack lets the probe replay read (s3://rag-canary-evidence-1a2b/probe-sets/)");
        }
        assertThat(new DynamoDbRolloutStore(DYNAMO.client(), "rollouts").read("rag-answer", "a9")).isEmpty();
        assertThat(deployed.handle(Json.parse("in", elsewhere.replace("s3://rag-canary-probes/gold/",
                "s3://rag-canary-evidence-1a2b/probe-sets/")), Instant.now())).isNotNull();
    }

    @Test
    void badInputNamesEveryProblemAndChangesNothing() {
        String bad = """
                {"action": "jump", "stage": "one",
                 "rollout": {"target": {"functionName": "rag-answer", "alias": "live", "canaryVersion": "$LATEST"},
                             "sticky": {"keyAttribute": "x-tenant-id"},
                             "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
                             "cachePrefixes": {"control": "v1:", "canary": "v2-cnr:"},
                             "probeSet": "p.json"}}""";

        assertThatThrownBy(() -> run(bad))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).problems()).extracting(Problem::path)
                        .contains("$.action").anyMatch(path -> path.startsWith("$.rollout.")));
        assertThatThrownBy(() -> run("{\"action\": \"shift\", \"rollout\": {}}"))
                .hasMessageContaining("$.stage")
                .hasMessageContaining("$.rollout.");
    }

    @Test
    void theFactoryWiresTheHandlerToTheTablesNamedInTheEnvironment() throws IOException {
        WeightShifterHandler fromEnvironment = new WeightShifterHandler(new DependencyFactory(Map.of(
                "ROLLOUTS_TABLE", "rollouts",
                "LATE_RAISE_WINDOW_SECONDS", "45",
                "RAG_CANARY_ENDPOINT_DYNAMODB", DYNAMO.dynalite().endpoint().toString(),
                "RAG_CANARY_ENDPOINT_LAMBDA", "http://127.0.0.1:9")).weightShifter(), new ControllerMetrics(metricLines::add, Clock.systemUTC()),
                arn -> Optional.empty(), new DependencyFactory(Map.of("TARGET_ALIASES", "live, a7")).stackLimits());
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        fromEnvironment.handleRequest(new ByteArrayInputStream(Events.load("weight-shifter/validate.json")
                .getBytes(StandardCharsets.UTF_8)), out, null);

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"plan\"");
        assertThatThrownBy(() -> fromEnvironment.handleRequest(new ByteArrayInputStream(
                onAlias(Events.load("weight-shifter/release.json"), "never-used").getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), null))
                .hasMessageContaining("no rollout on rag-answer:never-used; run the start action");
    }

    @Test
    void theFactoryNamesAMissingTable() {
        assertThatThrownBy(() -> new DependencyFactory(Map.of()).weightShifter())
                .hasMessageContaining("environment variable ROLLOUTS_TABLE is not set");
        assertThat(new DependencyFactory(Map.of()).cachePurger(DYNAMO.client())).isSameAs(CachePurger.NONE);
    }
}
