package dev.ragcanary.local.faults;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.local.LocalBackends;
import dev.ragcanary.local.LocalContext;
import dev.ragcanary.local.LocalExecution;
import dev.ragcanary.local.LocalLambdaEndpoint;
import dev.ragcanary.local.LocalRollout;
import dev.ragcanary.local.LocalRunner;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.RolloutListener;
import dev.ragcanary.local.RolloutOutcome;
import dev.ragcanary.local.StateEvent;
import dev.ragcanary.local.faults.SafetyInvariants.Verdict;
import dev.ragcanary.testsupport.Dynalite;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One fault-matrix rollout: the real rollout and stage machines and the real handlers, on dynalite (with faulty
 * DynamoDB calls) and on in-memory parts for everything else, for one {@link Flow}. A case arms it first (a fault, a
 * stop, another writer at a point), then {@link #run()} plays the flow to its end, runs the cleanup a stopped or failed
 * execution gets, waits for any Lambda still running after its task, and checks {@link SafetyInvariants}.
 */
final class MatrixRollout implements AutoCloseable {
    /**
     * How each invocation is named as a call point, and the error names Step Functions reports for its faults:
     * Lambda functions, and the stand-ins for the service integrations.
     */
    private record Integration(String call, String transientError, String permanentError, String lostReplyError) {
        RuntimeException failure(String invocation, FaultKind kind) {
            String name = switch (kind) {
                case TRANSIENT -> transientError;
                case PERMANENT -> permanentError;
                case APPLIED_RESPONSE_LOST -> lostReplyError;
            };
            return new LocalLambdaEndpoint.NamedFunctionError(name, call + " for " + invocation + ": " + kind.label()
                    + " (injected)");
        }
    }

    private static final Integration LAMBDA_INVOKE = new Integration("Lambda.Invoke", "Lambda.ServiceException",
            "Lambda.ResourceNotFoundException", "Lambda.SdkClientException");
    private static final Map<String, Integration> STAND_INS = Map.of(
            "local-approvals", new Integration("SNS.Publish approval", "SNS.ThrottledException",
                    "SNS.AuthorizationErrorException", "SNS.SdkClientException"),
            "local-evidence-archive", new Integration("S3.PutObject archive", "S3.InternalErrorException",
                    "S3.NoSuchBucketException", "S3.SdkClientException"),
            "local-describe-execution", new Integration("Sfn.DescribeExecution", "Sfn.ThrottlingException",
                    "Sfn.ExecutionDoesNotExistException", "Sfn.SdkClientException"));
    /** A joiner polls every five virtual minutes; at 1 ms per virtual second it follows the owner within 0.3 s. */
    private static final double JOINER_MS_PER_VIRTUAL_SECOND = 1;

    private final ProjectLayout layout;
    private final String caseId;
    private final Flow flow;
    final FaultInjector faults = new FaultInjector();
    private final FaultyControlPlane controlPlane;
    private final LocalRollout local;
    private final Set<String> timedOutContexts = ConcurrentHashMap.newKeySet();
    private final List<CompletableFuture<Void>> lateTasks = new ArrayList<>();
    /** Distinct state entries ($$.State.EnteredTime) seen per base context, to number repeated entries. */
    private final Map<String, List<String>> entries = new HashMap<>();
    private final AtomicReference<LocalRollout.Run> primary = new AtomicReference<>();
    /** Invocations still running: a stopped execution's Lambda may outlive it, and the check waits for it. */
    private final Phaser inFlight = new Phaser(1);
    private LocalExecution.AbortOn abortOn;
    private boolean abortSecond;
    private boolean cleanupDeliveredTwice;
    /** States entered by the primary and by a second execution, as "machine/state". */
    final List<String> primaryStates = new CopyOnWriteArrayList<>();
    final List<String> secondStates = new CopyOnWriteArrayList<>();

    MatrixRollout(ProjectLayout layout, Dynalite dynalite, LocalRunner runner, String caseId, Flow flow) {
        this.layout = layout;
        this.caseId = caseId;
        this.flow = flow;
        this.controlPlane = new FaultyControlPlane(faults, StartInputs.REGIONS, StartInputs.CONTROL);
        JsonNode probeSet;
        try {
            probeSet = Json.MAPPER.readTree(Files.readString(layout.root().resolve("events/probes/gold.json")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the gold probe set", e);
        }
        LocalBackends backends = new LocalBackends(controlPlane, controlPlane,
                MatrixServices.metrics(flow.traffic(), faults, () -> StartInputs.CANARY.equals(
                        controlPlane.aliases().get(StartInputs.REGIONS.get(0)).functionVersion())),
                MatrixServices.ragVersions(probeSet),
                MatrixServices.constantEmbedder(), MatrixServices.evidence(faults),
                MatrixServices.approvals(flow.refusedApprovals()), new FaultyDynamoDb(faults),
                LocalBackends.StageWatcher.NONE, this::around, EdgeConfigPublisher.NONE);
        this.local = LocalRollout.open(layout, backends, dynalite, runner, caseId + "-");
    }

    /** Stops the primary execution (or, for a flow with a second one, that one) on entry to a state. */
    void abortOn(LocalExecution.AbortOn rule, boolean second) {
        this.abortOn = rule;
        this.abortSecond = second;
    }

    /**
     * The invocation of {@code context} answers its task with {@code States.Timeout} at once and keeps running, as a
     * Lambda does after Step Functions gave up on it; the case waits for it before checking.
     */
    void timeOutTask(String context) {
        timedOutContexts.add(context);
    }

    /** What the rollout's EventBridge rule does when the primary execution ends with {@code status}. */
    void cleanUpPrimary(String status) {
        primary.get().cleanUp(status);
    }

    /** EventBridge delivers the primary's status change twice (it may): the cleanup runs again at the end. */
    void deliverCleanupTwice() {
        cleanupDeliveredTwice = true;
    }

    /** StopExecution on the primary, returning once no further Task can start. */
    void stopPrimary() {
        primary.get().abort("stopped by the fault matrix");
    }

    record Result(Verdict verdict, String executionStatus, boolean faultFired) {
    }

    Result run() {
        ObjectNode input = StartInputs.of(layout, caseId, flow.thresholds());
        if (flow.invalidInput()) {
            ((ObjectNode) input.path("target")).put("canaryVersion", "$LATEST");
        }
        AtomicReference<LocalRollout.Run> second = new AtomicReference<>();
        RolloutListener startSecondAtStageOne = new RolloutListener() {
            @Override
            public void onStageStarted(String stage, int extensions, String window, Instant at) {
                if (flow.second() != Flow.Second.NONE && stage.equals("one") && second.get() == null) {
                    second.set(local.start(secondInput(input), recording(secondStates), secondOptions()));
                }
            }

            @Override
            public void onState(StateEvent event) {
                recording(primaryStates).onState(event);
            }
        };
        primary.set(local.start(input, startSecondAtStageOne, abortSecond ? LocalExecution.Options.FAST
                : LocalExecution.Options.FAST.withAbortOn(abortOn)));
        RolloutOutcome outcome = primary.get().await();
        if (cleanupDeliveredTwice) {
            primary.get().cleanUp(outcome.execution().status());
        }
        if (second.get() != null) {
            second.get().await();
        }
        awaitLateTasks();
        awaitInvocationsStillRunning();
        String rolloutId = input.path("rolloutId").asText();
        var state = local.rolloutState(caseId, "live");
        Verdict verdict = SafetyInvariants.check(rolloutId, StartInputs.CONTROL, StartInputs.CANARY,
                controlPlane.aliases(), state, local.ledger(rolloutId, state));
        return new Result(verdict, outcome.execution().status(), faults.faultFired());
    }

    private static RolloutListener recording(List<String> states) {
        return new RolloutListener() {
            @Override
            public void onState(StateEvent event) {
                if (event.event().equals("entered")) {
                    states.add(event.machine() + "/" + event.state());
                }
            }
        };
    }

    private ObjectNode secondInput(ObjectNode input) {
        ObjectNode copy = input.deepCopy();
        if (flow.second() == Flow.Second.OTHER_ROLLOUT) {
            copy.put("rolloutId", caseId + "-other");
        }
        return copy;
    }

    private LocalExecution.Options secondOptions() {
        LocalExecution.Options joining = new LocalExecution.Options(LocalExecution.Options.FAST.clockStart(),
                JOINER_MS_PER_VIRTUAL_SECOND, LocalExecution.Options.FAST.timeout());
        return abortSecond ? joining.withAbortOn(abortOn) : joining;
    }

    /** Runs every invocation as its context, with the invocation itself a call point. */
    private RequestStreamHandler around(String functionName, RequestStreamHandler handler) {
        return (in, out, context) -> {
            inFlight.register();
            try {
                runAs(functionName, handler, in.readAllBytes(), out);
            } finally {
                inFlight.arriveAndDeregister();
            }
        };
    }

    private void runAs(String functionName, RequestStreamHandler handler, byte[] payload, OutputStream out)
            throws IOException {
        String invocation = contextOf(functionName, Json.MAPPER.readTree(payload));
        if (timedOutContexts.remove(invocation)) {
            lateTasks.add(CompletableFuture.runAsync(() -> invoke(invocation, functionName, handler, payload,
                    new ByteArrayOutputStream())));
            throw new LocalLambdaEndpoint.NamedFunctionError("States.Timeout",
                    "Task timed out after the task's TimeoutSeconds (injected); the function keeps running");
        }
        invoke(invocation, functionName, handler, payload, out);
    }

    /** Waits until no invocation runs any more: the promise is about where everything settles. */
    private void awaitInvocationsStillRunning() {
        try {
            inFlight.awaitAdvanceInterruptibly(inFlight.arrive(), 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            throw new IllegalStateException("an invocation was still running 30 s after the rollout ended", e);
        }
    }

    private void invoke(String invocation, String functionName, RequestStreamHandler handler, byte[] payload,
                        OutputStream out) {
        Integration integration = STAND_INS.getOrDefault(functionName, LAMBDA_INVOKE);
        faults.within(invocation, () -> {
            FaultInjector.Point point = faults.before(integration.call(), kind -> integration.failure(invocation, kind));
            try {
                handler.handleRequest(new ByteArrayInputStream(payload), out, new LocalContext(invocation, System.err));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            faults.after(point, kind -> integration.failure(invocation, kind));
            return null;
        });
    }

    /**
     * An invocation's context: the function, what it was asked (action and stage, the gate's look and window, a live
     * look during the bake), and, for a state entered again (the promotion window's shift, each live look), which
     * entry. Retries of one entry share it.
     */
    private synchronized String contextOf(String functionName, JsonNode payload) {
        StringBuilder base = new StringBuilder(functionName);
        if (payload.has("detail-type")) {
            base.append(" cleanup");
        }
        for (String field : List.of("action", "stage")) {
            if (payload.path(field).isTextual()) {
                base.append(' ').append(payload.path(field).asText());
            }
        }
        if (payload.path("purpose").asText("stage").equals("promotion")) {
            base.append(" promotion window");
        }
        if (payload.has("look")) {
            // A live look during the bake: a call point of its own, beside the gate at the bake's end.
            base.append(" live look");
        }
        if (payload.path("Message").has("kind")) {
            base.append(' ').append(payload.path("Message").path("kind").asText())
                    .append(' ').append(payload.path("Message").path("stage").asText());
        }
        if (payload.path("extensions").asInt() > 0) {
            base.append(" look ").append(payload.path("extensions").asInt() + 1);
        }
        String entered = payload.path("step").path("enteredTime").asText("");
        List<String> seen = entries.computeIfAbsent(base.toString(), k -> new ArrayList<>());
        if (!entered.isEmpty() && !seen.contains(entered)) {
            seen.add(entered);
        }
        int entry = entered.isEmpty() ? 1 : seen.indexOf(entered) + 1;
        return entry == 1 ? base.toString() : base + " (entry " + entry + ")";
    }

    private void awaitLateTasks() {
        for (CompletableFuture<Void> late : lateTasks) {
            try {
                late.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // A late Lambda that fails changes nothing more; the invariants judge what it left.
            }
        }
    }

    @Override
    public void close() {
        local.close();
    }
}
