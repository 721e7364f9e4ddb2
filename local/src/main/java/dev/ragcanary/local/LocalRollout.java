package dev.ragcanary.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbCachePurger;
import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.s3.ProbeSetLoader;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.ControllerMetrics;
import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.ExecutionInputs;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerNotes;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.WeightShifter;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import dev.ragcanary.gate.GateEvaluationHandler;
import dev.ragcanary.gate.GateEvaluationService;
import dev.ragcanary.gate.VerdictLog;
import dev.ragcanary.local.fleet.DynamoDbThrottling;
import dev.ragcanary.local.fleet.Scenario;
import dev.ragcanary.local.fleet.SimulatedFleet;
import dev.ragcanary.replay.ProbeReplayHandler;
import dev.ragcanary.shifter.StackLimits;
import dev.ragcanary.shifter.WeightShifterHandler;
import dev.ragcanary.testsupport.Dynalite;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A whole rollout on this machine: the real rollout and stage state machine files on aws-local-stepfunctions, the
 * real weight shifter, probe replay and gate evaluation handlers behind a local Lambda endpoint, DynamoDB on
 * dynalite, and a {@link SimulatedFleet} (alias, live metrics, sample RAG target) driven by a {@link Scenario}.
 * Used by the scenario tests and by {@code ./canary rehearse}.
 *
 * <pre>{@code
 * try (LocalRollout local = LocalRollout.open(layout,
 *         Scenario.read(layout.scenarios().resolve("healthy.json"), LocalRollout.baseStartInput(layout),
 *             layout.stageMachineStates()), evidenceDir)) {
 *     RolloutOutcome outcome = local.start(local.startInput(LocalRollout.baseStartInput(layout)), listener,
 *             LocalExecution.Options.FAST).await();
 * }
 * }</pre>
 * {@link Run} can also be aborted, and a second rollout started on the same fleet.
 * Executions started on one LocalRollout see each other: {@code aws-sdk:sfn:describeExecution} reports another's
 * status (RUNNING until it ends), so a second execution of the same rollout can join the first.
 */
public final class LocalRollout implements AutoCloseable {
    /** How often Lambda tries an asynchronous invocation (the cleanup's EventBridge target): once and two retries. */
    static final int ASYNC_INVOKE_ATTEMPTS = 3;

    private final ProjectLayout layout;
    /** The scenario and its fleet, or null for a rollout on other backends. */
    private final Scenario scenario;
    private final SimulatedFleet fleet;
    private final LocalBackends backends;
    private final Dynalite dynalite;
    private final boolean ownsDynalite;
    private final LocalRunner runner;
    private final boolean ownsRunner;
    /** What the handlers use (throttled, or failing, as the backends say); reading the outcome goes through {@link #dynamo}. */
    private final DynamoDbClient controllerDynamo;
    private final DynamoDbClient dynamo;
    private final String rolloutsTable;
    private final LocalLambdaEndpoint endpoint;
    private final Path evidenceDir;
    private final RequestStreamHandler weightShifter;
    /** The Workers KV stand-in the weight shifter publishes a plan's cloudflare-kv edges to, or null (other backends). */
    private final LocalCloudflareKv cloudflareKv;
    /**
     * Every rollout execution started here, by execution ARN: what the describeExecution stand-in reports, and whose
     * stage executions the runner announces.
     */
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final AtomicInteger executionCount = new AtomicInteger();

    private LocalRollout(ProjectLayout layout, Scenario scenario, SimulatedFleet fleet, LocalBackends backends,
                         Dynalite dynalite, boolean ownsDynalite, LocalRunner runner, boolean ownsRunner,
                         String tablePrefix, Path evidenceDir, LocalCloudflareKv cloudflareKv) {
        this.layout = layout;
        this.cloudflareKv = cloudflareKv;
        this.scenario = scenario;
        this.fleet = fleet;
        this.backends = backends;
        this.dynalite = dynalite;
        this.ownsDynalite = ownsDynalite;
        this.runner = runner;
        this.ownsRunner = ownsRunner;
        this.evidenceDir = evidenceDir;
        this.rolloutsTable = tablePrefix + "rollouts";
        String cacheTable = tablePrefix + "answer-cache";
        dynalite.createRolloutsTable(rolloutsTable);
        dynalite.createTable(cacheTable, "pk", null);
        this.controllerDynamo = AwsClients.build(DynamoDbClient.builder(), dynalite.endpoint(), Region.US_EAST_1,
                o -> AwsClients.CONTROLLER_CALLS.andThen(c -> c.addExecutionInterceptor(backends.dynamoDb())).accept(o));
        this.dynamo = AwsClients.build(DynamoDbClient.builder(), dynalite.endpoint(), Region.US_EAST_1);
        DynamoDbRolloutStore rollouts = new DynamoDbRolloutStore(controllerDynamo, rolloutsTable);
        DynamoDbLedger ledger = new DynamoDbLedger(controllerDynamo, rolloutsTable);
        LocalBackends.Invocations wrap = backends.invocations();
        this.weightShifter = wrap.around("weight-shifter", new WeightShifterHandler(new WeightShifter(backends.aliases(),
                backends.versions(), rollouts, ledger, new DynamoDbCachePurger(controllerDynamo, cacheTable,
                Clock.systemUTC()), backends.edges(), Clock.systemUTC(), Duration.ZERO), NO_METRICS, NO_LOOKUP,
                StackLimits.NONE));
        this.endpoint = LocalLambdaEndpoint.start()
                .register("weight-shifter", weightShifter)
                .register("probe-replay", wrap.around("probe-replay", probeReplay(backends)))
                .register("gate-evaluation", wrap.around("gate-evaluation", new GateEvaluationHandler(
                        new GateEvaluationService(backends.metrics(), backends.evidence(), GateEngine.standard(),
                                VerdictLog.ledger(new LedgerNotes(rollouts, ledger, Clock.systemUTC()))), NO_METRICS,
                        Clock.systemUTC())))
                .register("local-approvals", wrap.around("local-approvals", backends.approvals()))
                .register("local-evidence-archive", wrap.around("local-evidence-archive",
                        LocalStandIns.evidenceArchive(backends.evidence())))
                .register("local-describe-execution", wrap.around("local-describe-execution",
                        LocalStandIns.describeExecution(arn -> Optional.ofNullable(runs.get(arn)).map(run -> run.execution))))
                .register("local-execution-started", this::executionStarted);
    }

    /** The runner announces each nested execution before it runs a state: the fleet then knows the stage first. */
    private void executionStarted(InputStream in, OutputStream out, Context context) throws IOException {
        JsonNode started = Json.MAPPER.readTree(in);
        if ("stage".equals(started.path("machine").asText())) {
            String stage = started.path("input").path("stage").asText();
            backends.stages().stageStarted(started.path("execution").asText(), stage);
            runs.get(LocalExecution.executionArn("rollout", started.path("parent").asText())).stageStarted(stage);
        }
        out.write("{}".getBytes(StandardCharsets.UTF_8));
    }

    /** CloudWatch metric lines have no reader locally and would interleave with the rehearsal's progress. */
    private static final ControllerMetrics NO_METRICS = new ControllerMetrics(line -> { }, Clock.systemUTC());
    /** The local status events always carry the execution's input, so the cleanup never has to read it by ARN. */
    private static final ExecutionInputs NO_LOOKUP = executionArn -> Optional.empty();

    /**
     * Starts dynalite, creates the tables, builds the fleet and the handlers; the evidence (probe detail, gate bundles,
     * archive) goes to {@code evidenceDir}, which the caller owns and cleans up.
     */
    public static LocalRollout open(ProjectLayout layout, Scenario scenario, Path evidenceDir) {
        return open(layout, scenario, evidenceDir, LocalBackends.Invocations.DIRECT);
    }

    /**
     * As {@link #open(ProjectLayout, Scenario, Path)}, with {@code invocations} around every function on the local
     * Lambda endpoint: the rehearsal sends its sticky users while a gate invocation holds the execution.
     */
    public static LocalRollout open(ProjectLayout layout, Scenario scenario, Path evidenceDir,
                                    LocalBackends.Invocations invocations) {
        Dynalite dynalite = Dynalite.start();
        LocalCloudflareKv cloudflareKv = null;
        try {
            SimulatedFleet fleet = new SimulatedFleet(scenario, regions(scenario.startInputOver(baseStartInput(layout))));
            cloudflareKv = LocalCloudflareKv.start(evidenceDir.resolve("cloudflare-kv"));
            LocalBackends backends = new LocalBackends(fleet, fleet, fleet, fleet.probeTarget(), SharedEmbedder.INSTANCE,
                    new LocalFolderEvidenceStore(evidenceDir), LocalStandIns.approvals(scenario.approvals()),
                    new DynamoDbThrottling(fleet.throttling()), fleet.throttling()::stageStarted, invocations,
                    LocalStandIns.edges(cloudflareKv));
            return new LocalRollout(layout, scenario, fleet, backends, dynalite, true, LocalRunner.start(layout), true,
                    "rag-canary-", evidenceDir, cloudflareKv);
        } catch (RuntimeException e) {
            if (cloudflareKv != null) {
                cloudflareKv.close();
            }
            dynalite.close();
            throw new IllegalStateException("cannot set up the local rollout: " + e.getMessage(), e);
        }
    }

    /**
     * A local rollout on {@code backends} instead of a simulated fleet, with its tables (named with
     * {@code tablePrefix}) in a dynalite, and its executions in a runner, that the caller owns and keeps running: many
     * rollouts can share them.
     */
    public static LocalRollout open(ProjectLayout layout, LocalBackends backends, Dynalite dynalite, LocalRunner runner,
                                    String tablePrefix) {
        return new LocalRollout(layout, null, null, backends, dynalite, false, runner, false, tablePrefix, null, null);
    }

    /** Regions the fleet runs in: those of the scenario's start input. */
    private static List<String> regions(JsonNode startInput) {
        List<String> regions = new ArrayList<>();
        startInput.path("regions").forEach(r -> regions.add(r.asText()));
        return regions;
    }

    /** {@code events/start-rollout.json}, the start input every scenario starts from. */
    public static JsonNode baseStartInput(ProjectLayout layout) {
        try {
            return Json.parse("events/start-rollout.json", Files.readString(layout.root().resolve("events/start-rollout.json")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read events/start-rollout.json", e);
        }
    }

    /**
     * The start input for this scenario: {@code base} with the scenario's fields laid over it, the probe set read from
     * {@code events/probes/gold.json} unless the scenario names one, and the expected index set to the canary's own
     * index unless the scenario names one (so index rules fail only where the scenario makes an index differ).
     */
    public ObjectNode startInput(JsonNode base) {
        ObjectNode input = scenario.startInputOver(base);
        if (!scenario.startInput().has("probeSet")) {
            input.put("probeSet", layout.root().resolve("events/probes/gold.json").toString());
        }
        if (!scenario.startInput().has("expectedIndex")) {
            input.set("expectedIndex", Json.MAPPER.valueToTree(fleet.canaryIndex()));
        }
        if (input.hasNonNull("calibration")) {
            input.put("calibration", uploadCalibration(input.get("calibration").asText()));
        }
        return input;
    }

    /**
     * A calibration named as a file (relative to the project root) is read strictly and put in the evidence store,
     * as an operator uploads it to the evidence bucket; the start input then names its key there, as on AWS.
     */
    private String uploadCalibration(String named) {
        Path file = layout.root().resolve(named);
        if (!Files.isRegularFile(file) || evidenceDir == null) {
            return named;
        }
        try {
            String text = Files.readString(file);
            Calibration.parse("calibration " + named + " ($.startInput.calibration)", text);
            String key = "calibrations/" + file.getFileName();
            new LocalFolderEvidenceStore(evidenceDir).put(key, text);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the calibration " + file, e);
        }
    }

    /** Starts the rollout machine on {@code startInput} with bakes taking no real time. */
    public Run start(JsonNode startInput, RolloutListener listener) {
        return start(startInput, listener, LocalExecution.Options.FAST);
    }

    /** Starts the rollout machine on {@code startInput}; the returned run can be aborted and awaited. */
    public Run start(JsonNode startInput, RolloutListener listener, LocalExecution.Options options) {
        return new Run(startInput, listener, options, true);
    }

    public SimulatedFleet fleet() {
        return fleet;
    }

    /**
     * The file the Workers KV stand-in keeps the function's alias's rollout document in, as a plan's cloudflare-kv
     * edges publish it: what the Workers rehearsal server reads ({@code --config}).
     */
    public Path edgeDocument(String functionName, String alias) {
        if (cloudflareKv == null) {
            throw new IllegalStateException("this local rollout runs on other backends: no Workers KV stand-in");
        }
        return cloudflareKv.documentFile(functionName, alias);
    }

    public Path evidenceDir() {
        return evidenceDir;
    }

    public Optional<RolloutState> rolloutState(String functionName, String alias) {
        return new DynamoDbRolloutStore(dynamo, rolloutsTable).read(functionName, alias);
    }

    /** The rollout's whole ledger, with the newest entry even if it rides only in the state item. */
    public List<LedgerEntry> ledger(String rolloutId, Optional<RolloutState> state) {
        return new DynamoDbLedger(dynamo, rolloutsTable).complete(rolloutId, state);
    }

    @Override
    public void close() {
        endpoint.close();
        if (cloudflareKv != null) {
            cloudflareKv.close();
        }
        controllerDynamo.close();
        dynamo.close();
        if (ownsRunner) {
            runner.close();
        }
        if (ownsDynalite) {
            dynalite.close();
        }
    }

    private static ProbeReplayHandler probeReplay(LocalBackends backends) {
        ProbeSetLoader loader = new ProbeSetLoader(() -> {
            throw new IllegalStateException("the local rollout reads probe sets from files, not S3");
        });
        return new ProbeReplayHandler(new ProbeReplayHandler.Dependencies((region, functionName) -> backends.probeTarget(),
                backends.embedder(), backends.evidence(), loader::load, ReplayOptions.DEFAULTS, Clock.systemUTC()));
    }

    /** The embedding model loads once per process (about a second and a hundred megabytes); it is thread-safe. */
    private static final class SharedEmbedder {
        static final MiniLmEmbedder INSTANCE = new MiniLmEmbedder();
    }

    /**
     * One execution of the rollout machine, named rollout-1, rollout-2, ... in the order they start. On an execution
     * the caller starts, the scenario's {@link Scenario#abort() abort}, if any, stops it (and is what the stop says),
     * and its {@link Scenario#secondRollout() second rollout} is started during the named stage.
     */
    public final class Run {
        private final JsonNode startInput;
        private final LocalExecution.Options options;
        private final boolean startedByCaller;
        private final String executionArn;
        /** Set once the runner is started; the run is registered before, so none of its announcements is missed. */
        private volatile LocalExecution execution;
        private final AtomicReference<String> stageReached = new AtomicReference<>();
        private final AtomicReference<SecondRolloutOutcome> secondRollout = new AtomicReference<>();
        /** StopExecution's cause, which the cleanup writes to the ledger; null until a stop gives one. */
        private volatile String stopCause;

        private Run(JsonNode startInput, RolloutListener listener, LocalExecution.Options options, boolean startedByCaller) {
            this.startInput = startInput;
            this.options = options;
            this.startedByCaller = startedByCaller;
            String name = "rollout-" + executionCount.incrementAndGet();
            this.executionArn = LocalExecution.executionArn("rollout", name);
            Scenario.Abort abort = startedByCaller && scenario != null ? scenario.abort() : null;
            if (abort != null && options.abortOn() != null) {
                throw new IllegalArgumentException("the scenario already stops the execution (" + abort.reason()
                        + "); options cannot name another stop");
            }
            this.stopCause = abort == null ? null : abort.reason();
            runs.put(executionArn, this);
            this.execution = LocalExecution.startRollout(runner, layout, endpoint.uri(), name, startInput, abort == null ? options
                            : options.withAbortOn(new LocalExecution.AbortOn("stage", abort.state(), abort.stage(), 1)),
                    new StageTracker(listener, stageReached));
        }

        /**
         * A stage execution of this run is about to start: the scenario's second rollout, once, when it is the stage
         * named; it runs to its end before the stage goes on, so the first holds the lock throughout.
         */
        private void stageStarted(String stage) {
            Scenario.SecondRollout second = scenario == null ? null : scenario.secondRollout();
            if (!startedByCaller || second == null || !second.duringStage().equals(stage) || secondRollout.get() != null) {
                return;
            }
            ObjectNode input = secondStartInput(startInput);
            String canaryVersion = input.path("target").path("canaryVersion").asText();
            RolloutOutcome outcome = new Run(input, RolloutListener.NONE, options, false).await();
            secondRollout.set(new SecondRolloutOutcome(stage, input.path("rolloutId").asText(), canaryVersion, outcome,
                    fleet.maxWeightEver(canaryVersion)));
        }

        public String executionArn() {
            return executionArn;
        }

        /**
         * StopExecution with {@code cause} (as {@code ./canary abort --reason} gives it): the execution ends ABORTED;
         * {@link #await()} then runs the cleanup a stopped execution triggers.
         */
        public void abort(String cause) {
            stopCause = cause;
            execution.abort();
        }

        /** Waits for the end, then runs the cleanup the stack's EventBridge rule runs for every end, as in AWS. */
        public RolloutOutcome await() {
            ExecutionResult result = execution.await();
            List<String> cleanupFailures = cleanUp(result.status());
            // The rollout's identity is the bare function name, however the start input spelled it.
            String spelled = startInput.path("target").path("functionName").asText();
            String functionName = spelled.substring(spelled.lastIndexOf(':') + 1);
            String alias = startInput.path("target").path("alias").asText();
            Map<String, AliasState> aliases = new TreeMap<>();
            startInput.path("regions").forEach(region -> aliases.put(region.asText(),
                    backends.aliases().read(region.asText(), functionName, alias)));
            Optional<RolloutState> state = rolloutState(functionName, alias);
            String rolloutId = startInput.path("rolloutId").asText();
            return new RolloutOutcome(result, stageReached.get(), aliases, state, ledger(rolloutId, state),
                    cleanupFailures, Optional.ofNullable(secondRollout.get()));
        }

        /**
         * The cleanup the stack's EventBridge rule runs when this execution ends with {@code status}: the weight
         * shifter invoked asynchronously, so tried up to {@link #ASYNC_INVOKE_ATTEMPTS} times.
         *
         * @return the error of each failed attempt (all of them when the event would go to the dead-letter queue)
         */
        public List<String> cleanUp(String status) {
            List<String> failures = new ArrayList<>();
            for (int attempt = 1; attempt <= ASYNC_INVOKE_ATTEMPTS; attempt++) {
                try {
                    invoke(weightShifter, statusChangeEvent(status));
                    return failures;
                } catch (IOException | RuntimeException e) {
                    failures.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            return failures;
        }

        /** The "Step Functions Execution Status Change" event the stack's EventBridge rule sends the weight shifter. */
        private JsonNode statusChangeEvent(String status) {
            ObjectNode event = Json.MAPPER.createObjectNode();
            event.put("version", "0");
            event.put("detail-type", "Step Functions Execution Status Change");
            event.put("source", "aws.states");
            ObjectNode detail = event.putObject("detail");
            detail.put("executionArn", executionArn);
            detail.put("stateMachineArn", "arn:aws:states:us-east-1:000000000000:stateMachine:rollout");
            detail.put("status", status);
            if ("ABORTED".equals(status) && stopCause != null) {
                detail.put("cause", stopCause);
            }
            detail.put("input", Json.compact(startInput));
            return event;
        }
    }

    /** The scenario's second rollout: the same start input for the next canary version, under its default rollout id. */
    private static ObjectNode secondStartInput(JsonNode first) {
        ObjectNode second = first.deepCopy();
        ObjectNode target = (ObjectNode) second.get("target");
        target.put("canaryVersion", String.valueOf(Long.parseLong(target.path("canaryVersion").asText()) + 1));
        second.remove("rolloutId");
        second.put("rolloutId", RolloutRequestParser.parse(second).rolloutId());
        return second;
    }

    /** Invokes a handler directly, as an EventBridge target invokes a function. */
    private static void invoke(RequestStreamHandler handler, JsonNode event) throws IOException {
        handler.handleRequest(new ByteArrayInputStream(Json.compact(event).getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), new LocalContext("weight-shifter", System.err));
    }

    /** Turns stage executions into stage callbacks and remembers the last stage entered. */
    private record StageTracker(RolloutListener listener, AtomicReference<String> stageReached) implements ExecutionListener {
        @Override
        public void onExecution(ExecutionEvent event) {
            listener.onExecution(event);
            if (!"stage".equals(event.machine())) {
                return;
            }
            if ("started".equals(event.event())) {
                String stage = event.input().path("stage").asText();
                stageReached.set(stage);
                listener.onStageStarted(stage, event.input().path("extensions").asInt(),
                        event.input().path("purpose").asText(), event.at());
            } else if (event.output() != null) {
                listener.onStageFinished(event.output().path("verdict"), event.at());
            }
        }

        @Override
        public void onState(StateEvent event) {
            listener.onState(event);
        }
    }
}
