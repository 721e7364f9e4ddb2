package dev.ragcanary.cli.rehearse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbAssignmentStore;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.ragcanary.cli.ops.LedgerJson;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.ops.VerdictText;
import dev.ragcanary.cli.rehearse.RehearsalReport.LedgerLine;
import dev.ragcanary.cli.rehearse.RehearsalReport.ChartLimits;
import dev.ragcanary.cli.rehearse.RehearsalReport.Rule;
import dev.ragcanary.cli.rehearse.RehearsalReport.StageRun;
import dev.ragcanary.cli.rehearse.RehearsalReport.Traffic;
import dev.ragcanary.cli.rehearse.RehearsalReport.Variant;
import dev.ragcanary.cli.rehearse.RehearsalReport.WeightPoint;
import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.EgressMetrics;
import dev.ragcanary.core.metrics.LiveMetrics.VariantMetrics;
import dev.ragcanary.core.ports.RolloutStateReader;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.stats.Percentiles;
import dev.ragcanary.core.traffic.EdgeDecisions;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.local.ExecutionEvent;
import dev.ragcanary.local.ExecutionResult;
import dev.ragcanary.local.LocalBackends;
import dev.ragcanary.local.LocalExecution;
import dev.ragcanary.local.LocalRollout;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.RolloutListener;
import dev.ragcanary.local.RolloutOutcome;
import dev.ragcanary.local.SecondRolloutOutcome;
import dev.ragcanary.local.StateEvent;
import dev.ragcanary.local.fleet.ControlPlaneThrottling;
import dev.ragcanary.local.fleet.Scenario;
import dev.ragcanary.testsupport.Dynalite;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One local rehearsal: the rollout on the local runner (real state machine files and handlers, dynalite, the simulated
 * fleet driven by a scenario), sticky users routed through the real router during every bake, progress printed per
 * stage, and the report folder written at the end.
 *
 * <p>A run is reproducible: bakes take no real time, and the users of a bake are sent, in virtual time and a seeded
 * order, while the gate invocation that ends the bake holds the execution, so the router reads the rollout state the
 * bake ran at, whatever the machine's speed.
 */
public final class Rehearsal {
    /** The purpose of the stage run that bakes and judges the promoted version (statemachine/README.md). */
    static final String AFTER_PROMOTION = "after-promotion";
    /** The final status of a rehearsal stopped by SIGTERM or SIGINT; its report holds what was known then. */
    static final String INTERRUPTED = "INTERRUPTED";

    /** Distinct sticky users; every one of them comes back in every bake. */
    static final int STICKY_USERS = 300;
    /** The users' traffic counted after the rollout ended: who the rollback moved back shows here. */
    static final String AFTER_THE_END = "after the end";
    private static final String ASSIGNMENTS_TABLE = "rehearsal-assignments";
    private static final String GATE_FUNCTION = "gate-evaluation";

    private final ProjectLayout layout;
    private final PrintWriter out;
    private final StickyTraffic.Routing routing;

    /**
     * How it ended: the report, where it was written, and the exit code (0 promoted, 3 otherwise, 5 when the
     * stickiness audit failed whatever the outcome).
     */
    public record Result(RehearsalReport report, Path reportHtml, int exitCode) {
    }

    public Rehearsal(ProjectLayout layout, PrintWriter out) {
        this(layout, out, StickyTraffic.Routing.DIRECT);
    }

    /** A rehearsal whose users reach the router by {@code routing}: a test's broken way proves the audit fails it. */
    Rehearsal(ProjectLayout layout, PrintWriter out, StickyTraffic.Routing routing) {
        this.layout = layout;
        this.out = out;
        this.routing = routing;
    }

    /**
     * @param base      the start input (already validated) the scenario's fields are laid over
     * @param scenario  the scenario, read and checked against {@code base}
     * @param reportDir where the report folder is written
     */
    public Result run(JsonNode base, Scenario scenario, Path reportDir) throws IOException {
        long started = System.nanoTime();
        String name = scenario.name();
        out.printf("rehearsing scenario %s: %s%n", name, scenario.description());
        UsersDuringBakes bakes = new UsersDuringBakes();
        Path evidenceStore = ReportFolder.evidenceStore(reportDir);
        try (ReportOnInterrupt onInterrupt = new ReportOnInterrupt(); Dynalite assignments = Dynalite.start();
             LocalRollout local = LocalRollout.open(layout, scenario, evidenceStore, bakes)) {
            assignments.createAssignmentsTable(ASSIGNMENTS_TABLE);
            ObjectNode input = local.startInput(base);
            RolloutRequest plan = RolloutRequestParser.parse(Json.compact(input));
            String region = plan.regions().get(0);
            // A plan with a cloudflare-kv edge sends its users through the Workers router the weight shifter publishes to.
            try (RehearsalEgress egress = new RehearsalEgress(assignments, local.fleet(), plan.target().functionName(),
                    plan.target().canaryVersion(), region);
                 EdgeRouting edge = EdgeRouting.forPlan(plan, layout,
                         () -> local.edgeDocument(plan.target().functionName(), plan.target().alias()))) {
                local.fleet().countEgress(egress);
                StickyTraffic traffic = new StickyTraffic(plan.target().functionName(), plan.target().alias(),
                        region, readOnly(local), new DynamoDbAssignmentStore(assignments.client(), ASSIGNMENTS_TABLE),
                        plan.sticky().keyAttribute(), plan.sticky().source(), Duration.ofHours(plan.sticky().hours()),
                        LocalExecution.Options.FAST.clockStart(), STICKY_USERS, scenario.seed(),
                        edge != null ? edge : routing, egress::answer);
                bakes.follow(plan.rolloutId(), traffic);
                Map<String, JsonNode> evidence = new ConcurrentHashMap<>();
                Progress progress = new Progress(plan, traffic, local.fleet().throttling(), local.evidenceDir(), evidence);
                onInterrupt.writeWith(() -> writeInterrupted(plan, scenario, traffic, progress, reportDir, evidenceStore, started));
                // Printed once a signal would write the partial report: a caller that waits for this line may stop the run.
                out.printf("rollout %s: %s:%s, control version %s -> canary version %s, %d stages, bakes in virtual time%n",
                        plan.rolloutId(), plan.target().functionName(), plan.target().alias(), Scenario.CONTROL_VERSION,
                        plan.target().canaryVersion(), plan.stages().size());
                RolloutOutcome outcome = local.start(input, progress, LocalExecution.Options.FAST).await();
                Instant end = progress.lastAt == null ? LocalExecution.Options.FAST.clockStart() : progress.lastAt;
                // Every user comes back once after the end (and after the router's state cache expired): who the
                // rollback moved back shows here.
                Instant after = (traffic.latest().isAfter(end) ? traffic.latest() : end).plus(Duration.ofMinutes(1));
                Traffic afterTheEnd = traffic.window(AFTER_THE_END, after, after.plus(Duration.ofMinutes(10)));
                if (afterTheEnd.edgeDecisions() != null) {
                    out.printf("%s: %s%n", AFTER_THE_END, edgeLine(afterTheEnd));
                }

                String finalStatus = finalStatus(outcome);
                progress.weights.add(new WeightPoint(progress.seconds(end), "PROMOTED".equals(finalStatus) ? 1.0 : 0.0,
                        "PROMOTED".equals(finalStatus) ? "full" : "rolled back"));
                List<StageRun> runs = progress.stageRuns();
                Banner banner = Banner.of(finalStatus, runs, outcome, scenario, plan.target().canaryVersion());
                RehearsalReport report = new RehearsalReport(plan.rolloutId(), name, scenario.description(), finalStatus, banner,
                        progress.seconds(end), (System.nanoTime() - started) / 1e9, progress.weights, runs, traffic.stickiness(),
                        chartLimits(plan),
                        aliasAfter(outcome), lockAfter(outcome), ledgerLines(outcome.ledger()),
                        outcome.secondRollout().map(Rehearsal::secondRollout).orElse(null),
                        egress.panel(plan.target().functionName() + ":" + plan.target().canaryVersion()));
                if (!onInterrupt.claimForTheFinalReport()) {
                    return new Result(report, reportDir.resolve("report.html"), exitCode(report));
                }
                Path html = ReportFolder.write(reportDir, report, LedgerJson.of(outcome.ledger()), evidence);
                printEnd(report, html);
                return new Result(report, html, exitCode(report));
            }
        } finally {
            ReportFolder.deleteEvidenceStore(evidenceStore);
        }
    }

    /**
     * The report of a rehearsal stopped by a signal: the stage runs, weights and stickiness seen so far, no ledger (the
     * rollout's tables go with dynalite); it runs while the rehearsal's threads still do, so users stop first.
     */
    private void writeInterrupted(RolloutRequest plan, Scenario scenario, StickyTraffic traffic, Progress progress,
                                  Path reportDir, Path evidenceStore, long started) {
        try {
            List<StageRun> runs = progress.stageRuns();
            RehearsalReport report = new RehearsalReport(plan.rolloutId(), scenario.name(), scenario.description(),
                    INTERRUPTED, Banner.interrupted(runs), progress.seconds(progress.lastAt),
                    (System.nanoTime() - started) / 1e9, progress.weights, runs, traffic.stickiness(), chartLimits(plan),
                    Map.of(), "not known: interrupted", List.of(), null, null);
            Path html = ReportFolder.write(reportDir, report, Json.MAPPER.createArrayNode(), progress.evidence);
            out.printf("%s: %s%n    partial report %s%n", INTERRUPTED, report.banner().headline(), html);
        } catch (IOException | RuntimeException e) {
            out.printf("%s: the partial report could not be written: %s%n", INTERRUPTED, e);
        } finally {
            out.flush();
            ReportFolder.deleteEvidenceStore(evidenceStore);
        }
    }

    /** A broken stickiness rule fails the rehearsal even when the rollout was promoted. */
    static int exitCode(RehearsalReport report) {
        if (!report.stickiness().held()) {
            return ExitCodes.STICKINESS_VIOLATED;
        }
        return report.promoted() ? ExitCodes.OK : ExitCodes.ROLLBACK;
    }

    private void printEnd(RehearsalReport report, Path html) {
        var s = report.stickiness();
        out.printf("stickiness: %d users, %d requests; added to the canary by a weight increase: %d; moved back by the"
                        + " rollback: %d; served against the rule: %d users (%d requests)%n", s.users(), s.requests(),
                s.addedByWeightIncrease(), s.movedBackByRollback(), s.violatingUsers(), s.violatingRequests());
        if (!s.held()) {
            out.printf("STICKINESS VIOLATED (exit %d): %d users were served against the rule, for example:%n",
                    ExitCodes.STICKINESS_VIOLATED, s.violatingUsers());
            for (RehearsalReport.Violation v : s.examples()) {
                out.printf("    %s at %s (stage %s): %s -> %s, %s%n", v.user(), ReportHtml.hours(v.atSeconds()), v.stage(),
                        v.before() == null ? "first request" : v.before(), v.served(), v.why());
            }
        }
        if (report.egress() != null) {
            ReportHtml.egressPanelLines(report.egress()).forEach(line -> out.printf("%s%n", line));
        }
        if (report.secondRollout() != null) {
            out.println(report.secondRollout().sentence());
        }
        out.printf("%s: %s%n", report.finalStatus(), report.banner().headline());
        report.banner().details().forEach(line -> out.printf("    %s%n", line));
        out.printf("virtual time %s, wall time %.1f s; report %s%n", ReportHtml.hours(report.virtualSeconds()),
                report.wallSeconds(), html);
    }

    static String finalStatus(RolloutOutcome outcome) {
        if (outcome.execution().succeeded() && "PROMOTED".equals(outcome.execution().output().path("status").asText())) {
            return "PROMOTED";
        }
        boolean rolledBack = outcome.ledger().stream().anyMatch(e -> e.type() == LedgerEntry.Type.ROLLED_BACK)
                || outcome.state().map(RolloutState::weight).orElse(0.0) == 0.0;
        return rolledBack ? "ROLLED_BACK" : outcome.execution().status();
    }

    private static ChartLimits chartLimits(RolloutRequest plan) {
        return new ChartLimits(plan.thresholds().deltaSMedianMax(), plan.thresholds().coverageMin(),
                plan.thresholds().minWarmLatencySamples());
    }

    /** The rollout state item's status at the end: RELEASED once the lock is free. */
    static String lockAfter(RolloutOutcome outcome) {
        return outcome.state().map(state -> state.status().name()).orElse("never taken");
    }

    /** What each region's alias routes at the end, e.g. "version 41" or "version 41 + {42=0.05}". */
    private static Map<String, String> aliasAfter(RolloutOutcome outcome) {
        Map<String, String> out = new LinkedHashMap<>();
        outcome.aliases().forEach((region, alias) -> out.put(region, "version " + alias.functionVersion()
                + (alias.additionalVersionWeights().isEmpty() ? "" : " + " + alias.additionalVersionWeights())));
        return out;
    }

    private static RehearsalReport.SecondRollout secondRollout(SecondRolloutOutcome second) {
        ExecutionResult execution = second.outcome().execution();
        return new RehearsalReport.SecondRollout(second.rolloutId(), second.canaryVersion(), second.duringStage(),
                execution.status(), execution.error(), readable(execution.cause()), second.refusedByTheLock(),
                second.outcome().ledger().size(), second.canaryWeightEver());
    }

    /** A Lambda task's cause is the function's error document; its message is what a person reads. */
    private static String readable(String cause) {
        if (cause == null) {
            return null;
        }
        try {
            JsonNode document = Json.MAPPER.readTree(cause);
            return document.hasNonNull("errorMessage") ? document.get("errorMessage").asText() : cause;
        } catch (IOException notAnErrorDocument) {
            return cause;
        }
    }

    private static List<LedgerLine> ledgerLines(List<LedgerEntry> ledger) {
        return ledger.stream().map(e -> new LedgerLine(e.sequence(), e.type().name(), e.stage(), e.weight(), e.epoch(),
                e.reason(), e.attempt() > 1 ? e.attempt() : null)).toList();
    }

    /** Why the core did not trust an edge's request, by {@code routing.edge_decision}. */
    private static final Map<String, String> UNTRUSTED_BECAUSE = Map.of(
            "absent", "the edge signs only the users it buckets; with no active rollout in its document it sends them"
                    + " to the alias unsigned",
            "stale_epoch", "signed for another rollout, epoch or variant than the core's state allows (a rollback or"
                    + " promotion the edge had not seen)",
            "expired", "signed more than 300 s before the core checked it",
            "unknown_key", "signed with a key the core does not hold",
            "bad_signature", "the signature does not match the decision",
            "malformed", "the decision headers cannot be read");

    /** {@code edge: decided N, core trusted M} and why each other request was not trusted. */
    static String edgeLine(Traffic traffic) {
        StringBuilder line = new StringBuilder("edge: decided " + traffic.edgeDecided() + ", core trusted "
                + traffic.edgeTrusted());
        traffic.edgeDecisions().forEach((outcome, requests) -> {
            if (!EdgeDecisions.Outcome.TRUSTED.label().equals(outcome)) {
                line.append("; ").append(outcome).append(' ').append(requests).append(": ")
                        .append(UNTRUSTED_BECAUSE.getOrDefault(outcome, "not trusted"));
            }
        });
        return line.toString();
    }

    /** The router only reads the rollout state; the weight shifter is its only writer. */
    private static RolloutStateReader readOnly(LocalRollout local) {
        return local::rolloutState;
    }

    /** The label a stage run's bake traffic counts under: the gate's input and the run's start name it alike. */
    static String bakeLabel(String stage, int extensions, String window) {
        return stage + " " + extensions + " " + (window == null || window.isBlank() ? "stage" : window);
    }

    /**
     * Sends the sticky users of a bake when the gate that ends it is invoked: the execution waits for the gate, so
     * the router reads the state the bake ran at, and the users' figures are ready before the verdict is printed.
     * Retries of the gate send nothing twice ({@link StickyTraffic#window}).
     */
    private final class UsersDuringBakes implements LocalBackends.Invocations {
        private volatile String rolloutId;
        private volatile StickyTraffic traffic;

        void follow(String rolloutId, StickyTraffic traffic) {
            this.rolloutId = rolloutId;
            this.traffic = traffic;
        }

        @Override
        public RequestStreamHandler around(String functionName, RequestStreamHandler handler) {
            if (!GATE_FUNCTION.equals(functionName)) {
                return handler;
            }
            return (in, output, context) -> {
                byte[] request = in.readAllBytes();
                if (!isLiveLook(request)) {
                    sendBake(request);
                    handler.handleRequest(new ByteArrayInputStream(request), output, context);
                    return;
                }
                // A live look that bakes on sends nothing (the gate at the bake's end sends the bake's users once);
                // one that rolls back ends the bake, so its users are sent then.
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                handler.handleRequest(new ByteArrayInputStream(request), answer, context);
                if ("ROLLBACK".equals(Json.MAPPER.readTree(answer.toByteArray()).path("verdict").path("decision").asText())) {
                    sendBake(request);
                }
                answer.writeTo(output);
            };
        }

        private static boolean isLiveLook(byte[] request) {
            try {
                return Json.MAPPER.readTree(request).has("look");
            } catch (IOException e) {
                return false;
            }
        }

        /** A failure in sending the users must not stop the rollout: it is reported and the gate runs. */
        private void sendBake(byte[] request) {
            try {
                JsonNode gate = Json.MAPPER.readTree(request);
                StickyTraffic users = traffic;
                if (users != null && gate.path("rollout").path("rolloutId").asText().equals(rolloutId)) {
                    users.window(bakeLabel(gate.path("stage").asText(), gate.path("extensions").asInt(),
                                    gate.path("purpose").asText(null)),
                            Instant.parse(gate.path("windowStart").asText()), Instant.parse(gate.path("windowEnd").asText()));
                }
            } catch (IOException | RuntimeException e) {
                out.println("  (rehearsal could not send the users of this bake: " + e + ")");
            }
        }
    }

    /**
     * Follows the execution: one {@link Run} per stage execution, traffic during each bake, Step Functions retries and
     * throttled control-plane calls, a line per verdict.
     */
    private final class Progress implements RolloutListener {
        private final RolloutRequest plan;
        private final StickyTraffic traffic;
        private final ControlPlaneThrottling throttling;
        // Copy-on-write: an interrupt's partial report reads them while the listener still adds.
        final List<WeightPoint> weights = new CopyOnWriteArrayList<>();
        final List<Run> runs = new CopyOnWriteArrayList<>();
        private Instant start;
        private volatile Instant lastAt;

        private final Path evidenceDir;
        final Map<String, JsonNode> evidence;

        Progress(RolloutRequest plan, StickyTraffic traffic, ControlPlaneThrottling throttling, Path evidenceDir,
                 Map<String, JsonNode> evidence) {
            this.plan = plan;
            this.traffic = traffic;
            this.throttling = throttling;
            this.evidenceDir = evidenceDir;
            this.evidence = evidence;
        }

        /**
         * Every stage run with the users routed during its bake; a run whose execution never returned has no
         * decision.
         */
        List<StageRun> stageRuns() {
            return runs.stream().map(this::stageRun).toList();
        }

        /** The run as the report shows it, with the traffic and throttled calls seen so far. */
        private StageRun stageRun(Run run) {
            run.traffic = traffic.traffic(bakeLabel(run.stage, run.extensions, run.window));
            run.throttledCalls = throttling.throttledDuring(run.execution);
            return run.toStageRun(evidenceDir, evidence);
        }

        double seconds(Instant at) {
            return start == null || at == null ? 0 : Duration.between(start, at).toMillis() / 1000.0;
        }

        private void seen(Instant at) {
            if (at != null) {
                if (start == null) {
                    start = at;
                }
                if (lastAt == null || at.isAfter(lastAt)) {
                    lastAt = at;
                }
            }
        }

        @Override
        public void onExecution(ExecutionEvent event) {
            guarded(() -> execution(event));
        }

        @Override
        public void onStageFinished(JsonNode verdict, Instant at) {
            guarded(() -> stageFinished(verdict, at));
        }

        /**
         * A Step Functions retry counts for the latest stage run: inside its execution, or the rollout machine's work
         * after it (events arrive in order, so the latest run is the one the retry belongs to).
         */
        @Override
        public void onState(StateEvent event) {
            if ("retried".equals(event.event()) && !runs.isEmpty()) {
                runs.get(runs.size() - 1).retries.merge(event.state(), 1, Integer::sum);
            }
        }

        /** A failure in following the rollout must not stop the rollout: it is reported and the run goes on. */
        private void guarded(Runnable step) {
            try {
                step.run();
            } catch (RuntimeException e) {
                out.println("  (rehearsal could not follow this event: " + e + ")");
            }
        }

        private void execution(ExecutionEvent event) {
            seen(event.at());
            if (!"stage".equals(event.machine())) {
                return;
            }
            if ("started".equals(event.event()) && event.input() != null) {
                JsonNode in = event.input();
                String stage = in.path("stage").asText();
                double weight = plan.stage(stage).map(Stage::weight).orElse(0.0);
                runs.add(new Run(event.execution(), stage, in.path("extensions").asInt(), in.path("purpose").asText("stage"),
                        weight, seconds(event.at())));
                if (weights.isEmpty() || weights.get(weights.size() - 1).weight() != weight) {
                    weights.add(new WeightPoint(seconds(event.at()), weight, stage));
                }
            } else if (event.output() != null && event.output().hasNonNull("evidenceKey") && !runs.isEmpty()) {
                runs.get(runs.size() - 1).evidenceKey = event.output().path("evidenceKey").asText();
            } else if (event.output() == null && !runs.isEmpty()) {
                // Stopped (or broken) before its gate: the stage still gets its line, without a verdict.
                Run run = runs.get(runs.size() - 1);
                run.end = seconds(event.at());
                run.endedWithout = event.event().toUpperCase(Locale.ROOT);
                print(run, stageRun(run));
            }
        }

        private void stageFinished(JsonNode verdict, Instant at) {
            seen(at);
            if (runs.isEmpty()) {
                return;
            }
            Run run = runs.get(runs.size() - 1);
            run.end = seconds(at);
            run.verdict = verdict;
            print(run, stageRun(run));
        }

        private void print(Run run, StageRun result) {
            String decision = run.verdict != null ? run.verdict.path("decision").asText("none")
                    : "no verdict: stage execution " + run.endedWithout;
            out.printf("%-10s %-9s weight %6s  virtual %s - %s", run.stage,
                    "promotion".equals(run.window) ? "(promo)" : AFTER_PROMOTION.equals(run.window) ? "(after)"
                            : run.extensions > 0 ? "(ext " + run.extensions + ")" : "",
                    ReportHtml.percent(run.weight), ReportHtml.hours(run.start), ReportHtml.hours(run.end));
            if (run.traffic == null) {
                out.print("  users: none (no bake)");
            } else {
                out.printf("  users: control %d / canary %d", run.traffic.controlUsers(), run.traffic.canaryUsers());
                if (run.traffic.effectiveCanaryShare() != null) {
                    out.printf(" (share %s)", ReportHtml.percent(run.traffic.effectiveCanaryShare()));
                }
            }
            if (result.control() != null || result.canary() != null) {
                out.printf("  gate: control %s / canary %s requests", result.control() == null ? "-" : result.control().requests(),
                        result.canary() == null ? "-" : result.canary().requests());
            }
            out.printf("  throttled %d, retries %d  %s%n", ReportHtml.total(result.throttledCalls()),
                    ReportHtml.total(result.retries()), decision);
            if (run.traffic != null && run.traffic.edgeDecisions() != null) {
                out.printf("    %s%n", edgeLine(run.traffic));
            }
            if (!result.throttledCalls().isEmpty() || !result.retries().isEmpty()) {
                out.printf("    throttled calls: %s; Step Functions retries: %s%n", ReportHtml.listed(result.throttledCalls()),
                        ReportHtml.listed(result.retries()));
            }
            if (result.egress() != null) {
                out.printf("    egress: %s%n", ReportHtml.egressLine(result.egress()));
            }
            for (JsonNode rule : run.verdict == null ? MissingNode.getInstance() : run.verdict.path("rules")) {
                String outcome = rule.path("outcome").asText();
                boolean deciding = !"PASS".equals(outcome) && !"NOT_APPLICABLE".equals(outcome) || rule.path("hardStop").asBoolean();
                if (deciding) {
                    out.printf("    %-13s %-34s observed %s, limit %s %s%s%n", outcome, rule.path("rule").asText(),
                            VerdictText.text(rule.get("observed")), rule.path("comparator").asText(),
                            VerdictText.text(rule.get("limit")), rule.path("hardStop").asBoolean() ? " (hard stop)" : "");
                }
            }
            out.flush();
        }
    }

    /** One stage execution as it is observed. */
    private static final class Run {
        /** The stage execution's name, as the runner and the simulated fleet know it. */
        final String execution;
        final String stage;
        final int extensions;
        String window;
        final double weight;
        final double start;
        double end;
        JsonNode verdict;
        /** How the stage execution ended when it returned no verdict (ABORTED, FAILED, ...). */
        String endedWithout;
        String evidenceKey;
        Traffic traffic;
        /** State -> Step Functions retries while this was the latest stage run. */
        final Map<String, Integer> retries = new LinkedHashMap<>();
        Map<String, Integer> throttledCalls = Map.of();

        Run(String execution, String stage, int extensions, String window, double weight, double start) {
            this.execution = execution;
            this.stage = stage;
            this.extensions = extensions;
            this.window = window == null || window.isBlank() ? "stage" : window;
            this.weight = weight;
            this.start = start;
            this.end = start;
        }

        StageRun toStageRun(Path evidenceDir, Map<String, JsonNode> evidenceFiles) {
            List<Rule> rules = new ArrayList<>();
            JsonNode v = verdict == null ? Json.MAPPER.createObjectNode() : verdict;
            for (JsonNode rule : v.path("rules")) {
                rules.add(new Rule(rule.path("rule").asText(), rule.path("outcome").asText(), rule.path("hardStop").asBoolean(),
                        VerdictText.text(rule.get("observed")), rule.path("comparator").asText(""),
                        VerdictText.text(rule.get("limit")), rule.hasNonNull("note") ? rule.get("note").asText() : null));
            }
            Variant control = null;
            Variant canary = null;
            Double deltaS = null;
            Double coverage = null;
            String file = null;
            RehearsalReport.StageEgress egress = null;
            Optional<JsonNode> record = readEvidence(evidenceDir);
            if (record.isPresent()) {
                file = stage + "-" + extensions + ("stage".equals(window) ? "" : "-" + window) + ".json";
                evidenceFiles.put(file, record.get());
                file = ReportFolder.EVIDENCE_DIR + "/" + file;
                try {
                    // The gate archives the bare evidence; older archives wrapped it with the verdict.
                    JsonNode bare = record.get().has("evidence") ? record.get().get("evidence") : record.get();
                    Evidence evidence = EvidenceParser.parse(bare);
                    if (evidence.live() != null) {
                        // At weight 1 the evidence's control is the baseline from the last stage look, not this run's.
                        control = weight < 1 ? variant(evidence.live().control()) : null;
                        canary = weight > 0 ? variant(evidence.live().canary()) : null;
                    }
                    if (evidence.egress() != null) {
                        EgressMetrics e = evidence.egress();
                        egress = new RehearsalReport.StageEgress(weight < 1 ? egressFigures(e.control()) : null,
                                weight > 0 ? egressFigures(e.canary()) : null, e.partnerDuplicates(), e.shadow());
                    }
                    if (evidence.probes() != null && evidence.probes().canary() != null) {
                        var probes = evidence.probes().canary();
                        deltaS = probes.deltaS() == null || probes.deltaS().count() == 0 ? null : probes.deltaS().median();
                        coverage = probes.coverage() == null || probes.coverage().count() == 0 ? null : probes.coverage().mean();
                    }
                } catch (RuntimeException unreadable) {
                    // The report then shows the verdict without the stage's figures; the file is still in evidence/.
                }
            }
            return new StageRun(stage, window, extensions, weight, start, end,
                    verdict == null ? null : v.path("decision").asText(null), verdict == null ? null : v.path("reason").asText(null),
                    rules, control, canary, deltaS, coverage, traffic, file, throttledCalls, retries, egress);
        }

        /** A variant's emissions as the gate judged them; null when it recorded none. */
        private static RehearsalReport.EgressFigures egressFigures(EgressMetrics.VariantEgress v) {
            if (v == null || v.recorded() == 0) {
                return null;
            }
            return new RehearsalReport.EgressFigures(v.emissions(), v.emissions() == 0 ? null : v.successRate(),
                    v.triedEmissions() == 0 ? null : v.retriesPerEmission(),
                    v.ageMs().isEmpty() ? null : Percentiles.of(v.ageMs(), 0.95));
        }

        private Optional<JsonNode> readEvidence(Path evidenceDir) {
            if (evidenceKey == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(Json.MAPPER.readTree(Files.readString(evidenceDir.resolve(evidenceKey))));
            } catch (IOException | RuntimeException unreadable) {
                return Optional.empty();
            }
        }

        private static Variant variant(VariantMetrics metrics) {
            if (metrics == null || metrics.requests() == 0) {
                return null;
            }
            Double p95 = metrics.p95WarmMs() != null ? metrics.p95WarmMs()
                    : metrics.warmLatencyMs() == null || metrics.warmLatencyMs().isEmpty() ? null
                    : Percentiles.of(metrics.warmLatencyMs(), 0.95);
            return new Variant(metrics.requests(), p95, (double) metrics.errors() / metrics.requests(), metrics.warmCount());
        }
    }
}
