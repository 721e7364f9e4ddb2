package dev.ragcanary.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.local.fleet.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole rollouts from the scenario files: the real ASL files on aws-local-stepfunctions, the real handlers, dynalite,
 * the simulated fleet. Each asserts the final status, the stage reached, the alias weights and the ledger.
 */
class ScenarioTest {
    @TempDir
    Path evidence;
    private static final ProjectLayout LAYOUT = ProjectLayout.find();
    private static final String CANARY = Scenario.CANARY_VERSION;
    private static final String CONTROL = Scenario.CONTROL_VERSION;
    private static final List<String> DEFAULT_LADDER = List.of("shadow", "one", "five", "ten", "twentyfive", "fifty");
    private static final String SHIFT = "Shift traffic to the stage weight";

    @Test
    void healthyCanaryIsPromotedThroughEveryStage() {
        StageLog stages = new StageLog();
        RolloutOutcome outcome = run("healthy", stages);

        assertThat(outcome.execution().status()).as(outcome.execution().cause()).isEqualTo("SUCCEEDED");
        assertThat(outcome.execution().output().path("status").asText()).isEqualTo("PROMOTED");
        assertThat(stages.firstRuns()).containsExactlyElementsOf(DEFAULT_LADDER);
        assertThat(stages.promotionWindows()).containsExactly("fifty");
        assertThat(outcome.aliases()).isNotEmpty();
        outcome.aliases().values().forEach(alias -> {
            assertThat(alias.functionVersion()).isEqualTo(CANARY);
            assertThat(alias.additionalVersionWeights()).isEmpty();
        });
        assertThat(outcome.state().orElseThrow().status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(outcome.state().orElseThrow().stage()).isEqualTo("full");
        assertThat(types(outcome.ledger())).startsWith(LedgerEntry.Type.STARTED)
                .contains(LedgerEntry.Type.WEIGHT_SET, LedgerEntry.Type.VERDICT, LedgerEntry.Type.APPROVAL, LedgerEntry.Type.PROMOTED)
                .endsWith(LedgerEntry.Type.RELEASED)
                .doesNotContain(LedgerEntry.Type.ROLLED_BACK);
        JsonNode archive = Json.parse("archive", readString(evidence.resolve("archive/rag-answer-live-v42/rollout.json")));
        assertThat(archive.path("promotedVersion").asText()).isEqualTo(CANARY);
        assertThat(archive.path("finalVerdict").path("decision").asText()).isEqualTo("PROMOTE");
        report("healthy default rollout", outcome);
        assertThat(outcome.execution().transitions()).as("the issue's budget for a healthy default rollout, live looks"
                + " included").isLessThanOrEqualTo(300);
    }

    @Test
    void latencyRegressionAtStageOneRollsBackNamingTheRule() {
        RolloutOutcome outcome = run("latency-regression", new StageLog());

        assertRolledBack(outcome, "one", "live.latency.p95.ratio");
        assertThat(outcome.execution().cause()).contains("observed").contains("limit <= 1.25");
    }

    /** The canary's webhook retries and fails more often (the fleet's simulated volume): an egress rule rolls back. */
    @Test
    void egressRegressionAtStageOneRollsBackNamingTheEgressRules() {
        RolloutOutcome outcome = run("egress-regression", new StageLog());

        assertRolledBack(outcome, "one", "egress.success.ratio");
        assertThat(outcome.execution().cause()).contains("egress.retries.perEmission").contains("limit >= 0.97");
    }

    @Test
    void schemaViolationsStopTheRolloutInShadowBeforeAnyUserTraffic() {
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario("schema-violations"), evidence)) {
            RolloutOutcome outcome = local.start(local.startInput(base()), RolloutListener.NONE).await();

            assertRolledBack(outcome, "shadow", "shadow.schema.violations");
            assertThat(local.fleet().maxWeightEver(CANARY)).isZero();
        }
    }

    @Test
    void newFailureClassRollsBack() {
        RolloutOutcome outcome = run("new-failure-class", new StageLog());

        assertRolledBack(outcome, "one", "live.errors.newFailureClass");
        assertThat(outcome.execution().cause()).contains("5xx:OutOfMemory");
    }

    @Test
    void indexMismatchInTheSecondRegionRollsBackAtTen() {
        RolloutOutcome outcome = run("index-mismatch-second-region", new StageLog());

        assertRolledBack(outcome, "ten", "index.fingerprint");
        assertThat(outcome.execution().cause()).contains("0xdead");
    }

    @Test
    void anApprovalNobodyGivesInTimeRollsBack() {
        StageLog stages = new StageLog();
        RolloutOutcome outcome = run("approval-timeout", stages);

        assertThat(outcome.execution().status()).isEqualTo("FAILED");
        assertThat(outcome.execution().error()).isEqualTo("States.Timeout");
        assertThat(outcome.execution().cause()).contains("stage one");
        assertThat(stages.firstRuns()).containsExactly("shadow");
        assertThat(outcome.canaryWeightLeft(CANARY)).isZero();
        assertThat(outcome.state().orElseThrow().status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(types(outcome.ledger())).contains(LedgerEntry.Type.ROLLED_BACK);
    }

    @Test
    void aRefusedStageRollsBackNamingWhoRefusedAndTheLedgerKeepsTheAnswerOnce() {
        Scenario asked = scenario("approval-timeout");
        Scenario refused = new Scenario("approval-refused", "stage one needs approval and the person refuses",
                asked.startInput(), asked.traffic(), asked.control(), asked.canary(), asked.controlPlane(), "refuse",
                null, null, asked.seed());
        StageLog stages = new StageLog();
        try (LocalRollout local = LocalRollout.open(LAYOUT, refused, evidence)) {
            RolloutOutcome outcome = local.start(local.startInput(base()), stages, LocalExecution.Options.FAST).await();

            assertThat(outcome.execution().status()).isEqualTo("FAILED");
            assertThat(outcome.execution().error()).isEqualTo("Approval.Refused");
            assertThat(outcome.execution().cause()).contains("refused to enter stage one")
                    .contains("local approval policy (refuse)");
            assertThat(stages.firstRuns()).containsExactly("shadow");
            assertThat(outcome.canaryWeightLeft(CANARY)).isZero();
            assertThat(outcome.ledger()).filteredOn(e -> e.type() == LedgerEntry.Type.APPROVAL).hasSize(1);
            assertThat(types(outcome.ledger())).contains(LedgerEntry.Type.ROLLED_BACK);
        }
    }

    @Test
    void throttlingAtFiveAndTenIsRetriedByTheStateMachineAtThoseStagesAndTheRolloutIsPromoted() {
        StageLog stages = new StageLog();
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario("throttled-at-five"), evidence)) {
            RolloutOutcome outcome = local.start(local.startInput(base()), stages).await();

            assertThat(outcome.execution().status()).as(outcome.execution().cause()).isEqualTo("SUCCEEDED");
            assertThat(outcome.execution().output().path("status").asText()).isEqualTo("PROMOTED");
            assertThat(local.fleet().throttling().throttled()).extracting(t -> t.stage() + " " + t.call())
                    .containsExactly("five UpdateAlias", "five UpdateAlias", "five UpdateAlias",
                            "ten DynamoDB.PutItem", "ten DynamoDB.PutItem");
            assertThat(stages.retriedStatesByStage()).containsExactly(
                    Map.entry("five", List.of(SHIFT, SHIFT, SHIFT)), Map.entry("ten", List.of(SHIFT, SHIFT)));
            assertThat(outcome.ledger()).filteredOn(e -> e.attempt() > 1)
                    .extracting(e -> e.type() + " " + e.stage() + " attempt " + e.attempt())
                    .containsExactly("WEIGHT_SET five attempt 4", "WEIGHT_SET ten attempt 3");
        }
    }

    @Test
    void tooLittleTrafficExtendsTheStageThenDecides() {
        StageLog stages = new StageLog();
        RolloutOutcome outcome = run("low-traffic", stages);

        assertThat(stages.maxExtensions()).isPositive();
        assertThat(stages.decisions()).contains("EXTEND");
        assertThat(stages.decisions().get(stages.decisions().size() - 1)).isIn("PROMOTE", "ROLLBACK");
        assertThat(outcome.execution().status()).isIn("SUCCEEDED", "FAILED");
        assertThat(outcome.canaryWeightLeft(CANARY)).isZero();
    }

    @Test
    void aSecondRolloutStartedDuringStageOneIsRefusedByTheLockAndTheFirstIsPromotedUntouched() {
        StageLog stages = new StageLog();
        RolloutOutcome first = run("second-rollout-during-one", stages);

        SecondRolloutOutcome second = first.secondRollout().orElseThrow();
        assertThat(second.duringStage()).isEqualTo("one");
        assertThat(second.rolloutId()).isEqualTo("rag-answer-live-v43");
        assertThat(second.outcome().execution().status()).isEqualTo("FAILED");
        assertThat(second.outcome().execution().error()).endsWith("RolloutLockedException");
        assertThat(second.outcome().execution().cause()).contains("locked by rollout rag-answer-live-v42 (ACTIVE)");
        assertThat(second.refusedByTheLock()).isTrue();
        assertThat(second.outcome().ledger()).isEmpty();
        assertThat(second.canaryWeightEver()).as("version 43 never got traffic").isZero();
        RolloutState heldWhileRefused = second.outcome().state().orElseThrow();
        assertThat(heldWhileRefused.rolloutId()).isEqualTo("rag-answer-live-v42");
        assertThat(heldWhileRefused.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(heldWhileRefused.epoch()).isEqualTo(1);

        assertThat(first.execution().status()).as(first.execution().cause()).isEqualTo("SUCCEEDED");
        assertThat(first.execution().output().path("status").asText()).isEqualTo("PROMOTED");
        assertThat(stages.firstRuns()).containsExactlyElementsOf(DEFAULT_LADDER);
        assertThat(first.ledger()).extracting(LedgerEntry::rolloutId).containsOnly("rag-answer-live-v42");
        assertThat(first.ledger()).filteredOn(e -> e.type() == LedgerEntry.Type.WEIGHT_SET).extracting(LedgerEntry::stage)
                .as("one pass through the stages").containsExactlyElementsOf(DEFAULT_LADDER);
        assertThat(types(first.ledger())).doesNotContain(LedgerEntry.Type.ROLLED_BACK);
        assertThat(first.state().orElseThrow().epoch()).as("nothing bumped the epoch").isEqualTo(1);
    }

    @Test
    void theSameRolloutStartedTwiceIsJoinedByTheSecondExecutionAndTheAliasIsDrivenOnce() {
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario("healthy"), evidence)) {
            ObjectNode input = local.startInput(base());
            StageLog ownerStages = new StageLog();
            StageLog joinerStages = new StageLog();
            List<StateEvent> joinerStates = new CopyOnWriteArrayList<>();
            AtomicReference<LocalRollout.Run> joiner = new AtomicReference<>();
            RolloutListener startTheSameRolloutAgainDuringStageOne = new RolloutListener() {
                @Override
                public void onStageStarted(String stage, int extensions, String purpose, Instant at) {
                    ownerStages.onStageStarted(stage, extensions, purpose, at);
                    if (stage.equals("one") && joiner.get() == null) {
                        joiner.set(local.start(input, recordingStates(joinerStages, joinerStates), REAL_TIME_BAKES));
                    }
                }
            };

            RolloutOutcome owner = local.start(input, startTheSameRolloutAgainDuringStageOne, REAL_TIME_BAKES).await();
            RolloutOutcome joined = joiner.get().await();

            assertThat(owner.execution().status()).as(owner.execution().cause()).isEqualTo("SUCCEEDED");
            assertThat(joined.execution().status()).as(joined.execution().cause()).isEqualTo("SUCCEEDED");
            JsonNode summary = joined.execution().output();
            assertThat(summary.path("status").asText()).isEqualTo("JOINED");
            assertThat(summary.path("ownerExecutionArn").asText()).isEqualTo(LocalExecution.executionArn("rollout", "rollout-1"));
            assertThat(summary.path("ownerOutput")).isEqualTo(owner.execution().output());
            assertThat(summary.path("ownerOutput").path("status").asText()).isEqualTo("PROMOTED");
            assertThat(joinerStates.stream().filter(e -> e.event().equals("entered")
                    && e.state().equals("Wait for the running rollout")).count())
                    .as("polls that found the owner RUNNING, plus the last one").isGreaterThan(1);
            assertThat(joinerStages.firstRuns()).isEmpty();
            assertThat(joined.execution().executions()).hasSize(1);
            assertThat(ownerStages.firstRuns()).containsExactlyElementsOf(DEFAULT_LADDER);
            assertThat(owner.ledger().stream().filter(e -> e.type() == LedgerEntry.Type.WEIGHT_SET).map(LedgerEntry::stage))
                    .as("one pass through the stages").containsExactlyElementsOf(DEFAULT_LADDER);
            assertThat(types(owner.ledger())).containsOnlyOnce(LedgerEntry.Type.STARTED, LedgerEntry.Type.PROMOTED,
                    LedgerEntry.Type.RELEASED).doesNotContain(LedgerEntry.Type.ROLLED_BACK);
            assertThat(owner.aliases()).isNotEmpty();
            owner.aliases().values().forEach(alias -> assertThat(alias.functionVersion()).isEqualTo(CANARY));
        }
    }

    @Test
    void stoppingTheExecutionThatJoinedLeavesTheRunningRolloutAlone() {
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario("healthy"), evidence)) {
            ObjectNode input = local.startInput(base());
            AtomicReference<RolloutOutcome> stopped = new AtomicReference<>();
            AtomicReference<RolloutState> stateAfterStop = new AtomicReference<>();
            RolloutListener joinThenStopDuringStageOne = new RolloutListener() {
                @Override
                public void onStageStarted(String stage, int extensions, String purpose, Instant at) {
                    if (stage.equals("one") && stopped.get() == null) {
                        AtomicReference<LocalRollout.Run> run = new AtomicReference<>();
                        run.set(local.start(input, new RolloutListener() {
                            @Override
                            public void onState(StateEvent event) {
                                if (event.event().equals("entered") && event.state().equals("Wait for the running rollout")) {
                                    run.get().abort("the test stops the execution that joined");
                                }
                            }
                        }, REAL_TIME_BAKES));
                        stopped.set(run.get().await());
                        stateAfterStop.set(local.rolloutState("rag-answer", "live").orElseThrow());
                    }
                }
            };

            RolloutOutcome owner = local.start(input, joinThenStopDuringStageOne, REAL_TIME_BAKES).await();

            assertThat(stopped.get().execution().status()).isEqualTo("ABORTED");
            assertThat(stateAfterStop.get().status()).as("after the joiner's cleanup").isEqualTo(RolloutStatus.ACTIVE);
            assertThat(stateAfterStop.get().epoch()).as("no rollback bumped the epoch").isEqualTo(1);
            assertThat(stateAfterStop.get().weight()).isPositive();
            assertThat(owner.execution().status()).as(owner.execution().cause()).isEqualTo("SUCCEEDED");
            assertThat(types(owner.ledger())).doesNotContain(LedgerEntry.Type.ROLLED_BACK).contains(LedgerEntry.Type.PROMOTED);
        }
    }

    @Test
    void anAbortOnEntryToFivesReplayIsCleanedUpToWeightZeroAndTheLockIsReleasedWithTheStopsReason() {
        StageLog stages = new StageLog();
        Scenario scenario = scenario("abort-at-five");
        RolloutOutcome outcome;
        double weightEver;
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario, evidence)) {
            outcome = local.start(local.startInput(base()), stages).await();
            weightEver = local.fleet().maxWeightEver(CANARY);
        }

        assertThat(outcome.execution().status()).isEqualTo("ABORTED");
        assertThat(outcome.lastStageRun()).isEqualTo("five");
        assertThat(stages.decisions()).as("five was stopped before its gate").hasSize(2);
        assertThat(weightEver).as("five had shifted before the stop").isEqualTo(0.05);
        assertStoppedAndCleanedUp(outcome, scenario.abort().reason(), List.of("shadow", "one", "five"));
    }

    @Test
    void anAbortWhenAStageStartsStopsItBeforeItShiftsAnyWeight(@TempDir Path dir) throws IOException {
        ObjectNode file = (ObjectNode) Json.MAPPER.readTree(LAYOUT.scenarios().resolve("abort-at-five.json").toFile());
        ((ObjectNode) file.get("abort")).remove("state");
        Path stopWhenFiveStarts = Files.writeString(dir.resolve("abort-when-five-starts.json"), Json.pretty(file));
        Scenario scenario = Scenario.read(stopWhenFiveStarts, base(), LAYOUT.stageMachineStates());
        RolloutOutcome outcome;
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario, evidence)) {
            outcome = local.start(local.startInput(base()), RolloutListener.NONE).await();
        }

        assertThat(outcome.execution().status()).isEqualTo("ABORTED");
        assertThat(outcome.lastStageRun()).isEqualTo("five");
        assertThat(scenario.abort().reason()).contains("when stage five started");
        assertStoppedAndCleanedUp(outcome, scenario.abort().reason(), List.of("shadow", "one"));
    }

    @Test
    void everyExtensionUsedWith200QuestionsStaysFarBelowPayloadAndHistoryLimits(@TempDir Path dir) throws IOException {
        Path probes = twoHundredQuestions(dir);
        StageLog stages = new StageLog();
        RolloutOutcome outcome;
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario("every-extension"), evidence)) {
            ObjectNode input = local.startInput(base());
            input.put("probeSet", probes.toString());
            outcome = local.start(input, stages, new LocalExecution.Options(LocalExecution.Options.FAST.clockStart(), 0,
                    Duration.ofMinutes(20))).await();
        }

        assertThat(outcome.execution().status()).as(outcome.execution().cause()).isEqualTo("SUCCEEDED");
        for (String stage : DEFAULT_LADDER.subList(1, DEFAULT_LADDER.size())) {
            assertThat(stages.extensionsOf(stage)).as(stage).isEqualTo(3);
        }
        assertThat(outcome.execution().maxPayloadBytes()).as(outcome.execution().maxPayloadState())
                .isLessThan(64 * 1024);
        assertThat(outcome.execution().maxHistoryEvents()).isLessThan(2_500);
        report("worst case (every extension, every hold, 200 questions)", outcome);
    }

    // ---- helpers ----

    /**
     * Bakes take 1 ms of real time per virtual second (the healthy ladder about 13 s), so a second execution started
     * during stage one finds the first still running; a joiner's five-minute poll takes 0.3 s.
     */
    private static final LocalExecution.Options REAL_TIME_BAKES = new LocalExecution.Options(
            LocalExecution.Options.FAST.clockStart(), 1, Duration.ofMinutes(10));

    private static RolloutListener recordingStates(StageLog stages, List<StateEvent> states) {
        return new RolloutListener() {
            @Override
            public void onStageStarted(String stage, int extensions, String purpose, Instant at) {
                stages.onStageStarted(stage, extensions, purpose, at);
            }

            @Override
            public void onState(StateEvent event) {
                states.add(event);
            }
        };
    }

    private RolloutOutcome run(String scenario, RolloutListener listener) {
        try (LocalRollout local = LocalRollout.open(LAYOUT, scenario(scenario), evidence)) {
            return local.start(local.startInput(base()), listener, LocalExecution.Options.FAST).await();
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    private static Scenario scenario(String name) {
        return Scenario.read(LAYOUT.scenarios().resolve(name + ".json"), base(), LAYOUT.stageMachineStates());
    }

    private static JsonNode base() {
        return LocalRollout.baseStartInput(LAYOUT);
    }

    private static void assertRolledBack(RolloutOutcome outcome, String stage, String rule) {
        assertThat(outcome.execution().status()).isEqualTo("FAILED");
        assertThat(outcome.execution().error()).isEqualTo("Gate.Rollback");
        assertThat(outcome.execution().cause()).contains("stage " + stage).contains(rule);
        assertThat(outcome.lastStageRun()).isEqualTo(stage);
        assertThat(outcome.canaryWeightLeft(CANARY)).isZero();
        assertThat(outcome.aliases()).isNotEmpty();
        for (AliasState alias : outcome.aliases().values()) {
            assertThat(alias.functionVersion()).isEqualTo(CONTROL);
        }
        assertThat(outcome.state().orElseThrow().status()).isEqualTo(RolloutStatus.RELEASED);
        List<LedgerEntry.Type> types = types(outcome.ledger());
        assertThat(types).contains(LedgerEntry.Type.ROLLED_BACK).doesNotContain(LedgerEntry.Type.PROMOTED);
        LedgerEntry rollback = outcome.ledger().stream().filter(e -> e.type() == LedgerEntry.Type.ROLLED_BACK)
                .findFirst().orElseThrow();
        assertThat(rollback.reason()).contains(rule);
        assertThat(rollback.stage()).isEqualTo(stage);
    }

    /**
     * A stopped execution's cleanup: canary weight 0 and the control in every region, the lock released, and the
     * ledger ending ROLLED_BACK then RELEASED, both saying why it stopped.
     */
    private static void assertStoppedAndCleanedUp(RolloutOutcome outcome, String stopReason, List<String> stagesShifted) {
        assertThat(outcome.canaryWeightLeft(CANARY)).isZero();
        assertThat(outcome.aliases()).isNotEmpty();
        outcome.aliases().values().forEach(alias -> assertThat(alias.functionVersion()).isEqualTo(CONTROL));
        assertThat(outcome.state().orElseThrow().status()).as("the cleanup frees the lock").isEqualTo(RolloutStatus.RELEASED);
        List<LedgerEntry> ledger = outcome.ledger();
        assertThat(ledger).filteredOn(e -> e.type() == LedgerEntry.Type.WEIGHT_SET).extracting(LedgerEntry::stage)
                .containsExactlyElementsOf(stagesShifted);
        assertThat(ledger.subList(ledger.size() - 2, ledger.size()))
                .extracting(LedgerEntry::type).containsExactly(LedgerEntry.Type.ROLLED_BACK, LedgerEntry.Type.RELEASED);
        assertThat(ledger.get(ledger.size() - 2).weight()).isZero();
        assertThat(ledger.subList(ledger.size() - 2, ledger.size())).allSatisfy(entry ->
                assertThat(entry.reason()).contains("ABORTED").contains(stopReason));
    }

    private static List<LedgerEntry.Type> types(List<LedgerEntry> ledger) {
        return ledger.stream().map(LedgerEntry::type).toList();
    }

    /** The cost figures the issue asks for, in the test output (see local/README.md). */
    private static void report(String what, RolloutOutcome outcome) {
        ExecutionResult r = outcome.execution();
        System.out.printf("COST %s: %d state transitions over %d executions (%d stage executions); largest payload %d bytes"
                        + " (%s); most history events in one execution ~%d%n", what, r.transitions(),
                r.executions().size(), r.executions().stream().filter(e -> e.machine().equals("stage")).count(),
                r.maxPayloadBytes(), r.maxPayloadState(), r.maxHistoryEvents());
    }

    /** The gold set grown to 200 questions (copies with new ids), the largest probe set the format allows. */
    private static Path twoHundredQuestions(Path dir) throws IOException {
        ObjectNode gold = (ObjectNode) Json.MAPPER.readTree(LAYOUT.root().resolve("events/probes/gold.json").toFile());
        ArrayNode original = (ArrayNode) gold.path("probes");
        ArrayNode probes = Json.MAPPER.createArrayNode();
        for (int i = 0; probes.size() < 200; i++) {
            ObjectNode probe = ((ObjectNode) original.get(i % original.size())).deepCopy();
            probe.put("id", probe.path("id").asText() + "-" + (i / original.size()));
            probes.add(probe);
        }
        gold.set("probes", probes);
        Path file = dir.resolve("gold-200.json");
        Files.writeString(file, Json.pretty(gold));
        return file;
    }

    /** Records stage runs, verdicts and Step Functions retries as the rollout reports them. */
    private static final class StageLog implements RolloutListener {
        private final List<String[]> runs = new CopyOnWriteArrayList<>();
        private final List<String> decisions = new CopyOnWriteArrayList<>();
        private final Map<String, String> stageOfExecution = new ConcurrentHashMap<>();
        private final List<StateEvent> retries = new CopyOnWriteArrayList<>();

        @Override
        public void onExecution(ExecutionEvent event) {
            if ("stage".equals(event.machine()) && "started".equals(event.event())) {
                stageOfExecution.put(event.execution(), event.input().path("stage").asText());
            }
        }

        @Override
        public void onState(StateEvent event) {
            if ("retried".equals(event.event())) {
                retries.add(event);
            }
        }

        /** Stage -> the states retried in its executions, in order; retries outside a stage execution under "rollout". */
        Map<String, List<String>> retriedStatesByStage() {
            Map<String, List<String>> out = new LinkedHashMap<>();
            retries.forEach(r -> out.computeIfAbsent(stageOfExecution.getOrDefault(r.execution(), "rollout"),
                    stage -> new ArrayList<>()).add(r.state()));
            return out;
        }

        @Override
        public void onStageStarted(String stage, int extensions, String purpose, Instant at) {
            runs.add(new String[] {stage, String.valueOf(extensions), purpose});
        }

        @Override
        public void onStageFinished(JsonNode verdict, Instant at) {
            decisions.add(verdict.path("decision").asText());
        }

        List<String> firstRuns() {
            List<String> out = new ArrayList<>();
            runs.stream().filter(r -> r[1].equals("0") && r[2].equals("stage")).forEach(r -> out.add(r[0]));
            return out;
        }

        List<String> promotionWindows() {
            return runs.stream().filter(r -> r[1].equals("0") && r[2].equals("promotion")).map(r -> r[0]).toList();
        }

        int maxExtensions() {
            return runs.stream().mapToInt(r -> Integer.parseInt(r[1])).max().orElse(0);
        }

        int extensionsOf(String stage) {
            return runs.stream().filter(r -> r[0].equals(stage) && r[2].equals("stage"))
                    .mapToInt(r -> Integer.parseInt(r[1])).max().orElse(-1);
        }

        List<String> decisions() {
            return decisions;
        }
    }
}
