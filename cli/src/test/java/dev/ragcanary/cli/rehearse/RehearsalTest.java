package dev.ragcanary.cli.rehearse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.rehearse.RehearsalReport.Stickiness;
import dev.ragcanary.cli.rehearse.RehearsalReport.Violation;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.StrictJson;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.local.ProjectLayout;
import dev.ragcanary.local.fleet.Scenario;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole rehearsals of a short scenario (rolled back at stage one: shadow, one, the rollback and the users after it)
 * run in-process, twice for reproducibility and once through a router that loses assignments.
 */
class RehearsalTest {
    static final String SHORT_SCENARIO = "latency-regression";
    /** report.json fields that measure this machine rather than the rollout: the only ones a rerun may change. */
    static final List<String> WALL_CLOCK_FIELDS = List.of("wallSeconds");
    /** The console's last line gives the wall time (and the report folder, which differs between the two runs). */
    static final Pattern WALL_CLOCK_LINE = Pattern.compile("(?m)^virtual time .*, wall time .*$");

    record Rehearsed(Rehearsal.Result result, String console, JsonNode reportJson) {
    }

    static Rehearsed rehearse(StickyTraffic.Routing routing, Path reportDir) throws Exception {
        return rehearse(SHORT_SCENARIO, routing, reportDir);
    }

    static Rehearsed rehearse(String scenarioName, StickyTraffic.Routing routing, Path reportDir) throws Exception {
        ProjectLayout layout = ProjectLayout.find();
        Path start = layout.root().resolve(RehearseCommand.DEFAULT_START);
        JsonNode base = StrictJson.read(start.toString(), Files.readString(start), Contract.START_INPUT.maxBytes());
        Scenario scenario = Scenario.read(layout.scenarios().resolve(scenarioName + ".json"), base,
                layout.stageMachineStates());
        StringWriter console = new StringWriter();
        Rehearsal.Result result = new Rehearsal(layout, new PrintWriter(console, true), routing).run(base, scenario, reportDir);
        return new Rehearsed(result, console.toString(), Json.MAPPER.readTree(Files.readString(reportDir.resolve("report.json"))));
    }

    @Test
    void theSameScenarioAndSeedGiveTheSameReportApartFromTheWallClock(@TempDir Path first, @TempDir Path second)
            throws Exception {
        Rehearsed one = rehearse(StickyTraffic.Routing.DIRECT, first);
        Rehearsed two = rehearse(StickyTraffic.Routing.DIRECT, second);

        assertThat(one.result().exitCode()).as(one.console()).isEqualTo(ExitCodes.ROLLBACK);
        assertThat(withoutWallClock(two.reportJson())).isEqualTo(withoutWallClock(one.reportJson()));
        assertThat(WALL_CLOCK_LINE.matcher(two.console()).replaceAll(""))
                .isEqualTo(WALL_CLOCK_LINE.matcher(one.console()).replaceAll(""));
        Stickiness stickiness = one.result().report().stickiness();
        assertThat(stickiness.held()).isTrue();
        assertThat(stickiness.addedByWeightIncrease()).as("users the weight of stage one took in").isPositive();
        assertThat(stickiness.movedBackByRollback()).isEqualTo(stickiness.addedByWeightIncrease());
        assertThat(one.console()).contains("served against the rule: 0 users (0 requests)");
        assertConsoleUsersAreTheReportsUsers(one);
    }

    /** Every stage row prints its users, and they are report.json's distinct users per variant, not its requests. */
    private static void assertConsoleUsersAreTheReportsUsers(Rehearsed run) {
        List<String> printed = new ArrayList<>();
        Matcher rows = Pattern.compile("(?m)^(\\S+) .* users: control (\\d+) / canary (\\d+)").matcher(run.console());
        while (rows.find()) {
            printed.add(rows.group(1) + " " + rows.group(2) + "/" + rows.group(3));
        }
        List<String> reported = new ArrayList<>();
        for (JsonNode stage : run.reportJson().get("stages")) {
            JsonNode traffic = stage.get("traffic");
            reported.add(stage.get("stage").asText() + " " + traffic.get("controlUsers").asLong() + "/"
                    + traffic.get("canaryUsers").asLong());
            assertThat(traffic.get("controlUsers").asLong() + traffic.get("canaryUsers").asLong())
                    .as("every user comes once per 30-minute bake").isEqualTo(Rehearsal.STICKY_USERS);
        }
        assertThat(printed).isEqualTo(reported).hasSize(2);
    }

    private static JsonNode withoutWallClock(JsonNode report) {
        ObjectNode copy = report.deepCopy();
        WALL_CLOCK_FIELDS.forEach(copy::remove);
        return copy;
    }

    /**
     * The router files every assignment under the request instead of the user (each request is a user it never
     * saw): users land on the canary by chance and flip back and forth inside their window.
     */
    /**
     * The users go through the Workers router in workerd, which routes by what the weight shifter published through
     * the Cloudflare KV adapter: every bucketed decision the edge signed is trusted by the core, and once promoted the
     * edge signs nothing (the alias serves everyone).
     */
    @Test
    void aRehearsalThroughTheWorkersRouterIsPromotedWithEveryEdgeDecisionTrusted(@TempDir Path report) throws Exception {
        Rehearsed run = rehearse("edge-workers", StickyTraffic.Routing.DIRECT, report);

        assertThat(run.result().exitCode()).as(run.console()).isEqualTo(ExitCodes.OK);
        assertThat(run.result().report().finalStatus()).isEqualTo("PROMOTED");
        Stickiness stickiness = run.result().report().stickiness();
        assertThat(stickiness.violatingRequests()).as(run.console()).isZero();
        assertThat(stickiness.addedByWeightIncrease()).isPositive();
        for (RehearsalReport.StageRun stage : run.result().report().stages()) {
            RehearsalReport.Traffic users = stage.traffic();
            long requests = users.controlRequests() + users.canaryRequests();
            if (stage.weight() < 1) {
                assertThat(users.edgeDecisions()).as(stage.stage() + " " + stage.window())
                        .isEqualTo(Map.of("trusted", requests));
            } else {
                assertThat(users.edgeDecisions()).as("promoted: the edge sends everyone to the alias unsigned")
                        .isEqualTo(Map.of("absent", requests));
            }
        }
        assertThat(run.console()).contains("edge: decided 300, core trusted 300")
                .contains("absent 300: the edge signs only the users it buckets");
    }

    @Test
    void aRehearsalThroughARouterThatLosesAssignmentsFailsWithTheStickinessExitCode(@TempDir Path report) throws Exception {
        AtomicLong requests = new AtomicLong();
        StickyTraffic.Routing losesAssignments = (router, request) -> router.route(new RouteRequest(
                Map.of("x-tenant-id", "request-" + requests.incrementAndGet()), () -> null));

        Rehearsed run = rehearse(losesAssignments, report);

        assertThat(run.result().exitCode()).as(run.console()).isEqualTo(ExitCodes.STICKINESS_VIOLATED).isEqualTo(5);
        Stickiness stickiness = run.result().report().stickiness();
        assertThat(stickiness.violatingUsers()).isPositive();
        assertThat(run.console()).containsPattern("STICKINESS VIOLATED \\(exit 5\\): " + stickiness.violatingUsers()
                + " users were served against the rule, for example:\\n    user-\\S+ at .* \\(stage one\\): ");
        JsonNode audit = run.reportJson().get("stickiness");
        assertThat(audit.get("violatingUsers").asLong()).isEqualTo(stickiness.violatingUsers());
        assertThat(audit.get("violatingRequests").asLong()).isEqualTo(stickiness.violatingRequests());
        assertThat(audit.get("examples")).hasSize((int) Math.min(StickyTraffic.EXAMPLES, stickiness.violatingRequests()));
        assertThat(audit.get("examples").get(0).get("why").asText()).startsWith("on the canary with bucket ");
    }

    @Test
    void aBrokenStickinessRuleFailsTheRehearsalEvenWhenTheRolloutWasPromoted() {
        RehearsalReport sample = SampleReports.rolledBack();
        Stickiness held = sample.stickiness();
        Stickiness broken = new Stickiness(held.users(), held.requests(), held.addedByWeightIncrease(),
                held.movedBackByRollback(), 1, 1, List.of(new Violation("user-1-7", 900, "one", "CONTROL", "CANARY",
                "on the canary with bucket 4242, not under the weight 1.00% (buckets below 100)")));

        assertThat(Rehearsal.exitCode(with(sample, "PROMOTED", held))).isEqualTo(ExitCodes.OK);
        assertThat(Rehearsal.exitCode(with(sample, "ROLLED_BACK", held))).isEqualTo(ExitCodes.ROLLBACK);
        assertThat(Rehearsal.exitCode(with(sample, "PROMOTED", broken))).isEqualTo(ExitCodes.STICKINESS_VIOLATED);
        assertThat(Rehearsal.exitCode(with(sample, "ROLLED_BACK", broken))).isEqualTo(ExitCodes.STICKINESS_VIOLATED);
    }

    private static RehearsalReport with(RehearsalReport r, String finalStatus, Stickiness stickiness) {
        return new RehearsalReport(r.rolloutId(), r.scenario(), r.scenarioDescription(), finalStatus, r.banner(),
                r.virtualSeconds(), r.wallSeconds(), r.weights(), r.stages(), stickiness, r.thresholds(), r.aliasAfter(),
                r.lockAfter(), r.ledger(), r.secondRollout(), r.egress());
    }
}
