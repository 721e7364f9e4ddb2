package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.cli.rehearse.HeadlessChromium;
import dev.ragcanary.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole rehearsals through the command: the real state machine files and handlers on the local runner, dynalite,
 * the simulated fleet, sticky users through the real router. Each shipped scenario gives its documented outcome.
 * Rehearsals share nothing (own dynalite, ports, report folder), so two run at once.
 */
@Execution(ExecutionMode.CONCURRENT)
class RehearseCommandTest {

    @ParameterizedTest(name = "{0} -> exit {1} {2} {3} {4}")
    @CsvSource({
            "healthy,                      0, PROMOTED,    '',         ''",
            "latency-regression,           3, ROLLED_BACK, one,        live.latency.p95.ratio",
            "new-failure-class,            3, ROLLED_BACK, one,        live.errors.newFailureClass",
            "quality-regression,           3, ROLLED_BACK, shadow,     quality.deltaS.median",
            "stale-index,                  3, ROLLED_BACK, shadow,     index.fingerprint.expected",
            "index-mismatch-second-region, 3, ROLLED_BACK, ten,        index.fingerprint",
            "cache-prefix-collision,       3, ROLLED_BACK, twentyfive, live.cache.prefixCollisions",
            "lambda-flips-seed-noise,      3, ROLLED_BACK, shadow,     quality.lambda.convergent",
            "throttled-at-five,            0, PROMOTED,    '',         ''",
            "second-rollout-during-one,    0, PROMOTED,    '',         ''",
            "low-traffic,                  3, ROLLED_BACK, one,        not enough traffic to judge after 3 extensions"})
    void everyShippedScenarioGivesItsDocumentedOutcome(String scenario, int exit, String status, String stage, String rule,
                                                       @TempDir Path report) throws Exception {
        CliRun run = CliRun.of("rehearse", "--scenario", "events/scenarios/" + scenario + ".json", "--report", report.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(exit);
        assertThat(run.out()).contains(status + ": ").contains("served against the rule: 0 users (0 requests)");
        if (!stage.isEmpty()) {
            // The one-line banner names the documented rule, first or among "+N more", and the lead rule's figures.
            assertThat(run.out()).containsPattern("ROLLED_BACK: rolled back at stage " + stage + ": (?=[^\\n]*"
                    + Pattern.quote(rule) + ")[^\\n]* observed [^\\n]*, limit ");
        }
        JsonNode data = Json.MAPPER.readTree(Files.readString(report.resolve("report.json")));
        String headline = data.get("banner").get("headline").asText();
        assertThat(run.out()).as("the banner: one short line, details under it").contains(status + ": " + headline + "\n");
        assertThat(headline).hasSizeLessThanOrEqualTo(200).doesNotContain("null").doesNotContain("observed -");
        if (!stage.isEmpty()) {
            assertThat(headline).as("the deciding rule, observed vs limit; the scenario's rule named")
                    .matches("rolled back at stage " + stage + ": .*(observed|not measured).*, limit .*").contains(rule);
        }
        assertThat(data.get("finalStatus").asText()).isEqualTo(status);
        assertThat(data.get("stickiness").get("violatingUsers").asLong()).isZero();
        assertThat(Json.MAPPER.readTree(Files.readString(report.resolve("ledger.json")))).isNotEmpty();
        try (var evidence = Files.list(report.resolve("evidence"))) {
            assertThat(evidence.count()).isEqualTo(data.get("stages").size());
        }
        assertThat(report.resolve("report.html")).isRegularFile();
        if (scenario.equals("throttled-at-five")) {
            assertThrottlesAndRetriesPerStage(run.out(), data);
        }
        if (scenario.equals("second-rollout-during-one")) {
            assertThat(run.out()).contains("second rollout rag-answer-live-v43 (canary version 43), started when stage one"
                    + " started: refused by the lock (alias rag-answer:live is locked by rollout rag-answer-live-v42 (ACTIVE);")
                    .contains("it wrote 0 ledger entries and its canary got 0.0% of the traffic");
            assertThat(data.get("secondRollout").get("refusedByTheLock").asBoolean()).isTrue();
            assertThat(data.get("secondRollout").get("ledgerEntries").asInt()).isZero();
        }
        if (scenario.equals("cache-prefix-collision")) {
            assertThat(data.get("stickiness").get("movedBackByRollback").asLong())
                    .as("users on the canary at 25 % are moved back by the rollback").isPositive();
        }
    }

    /**
     * throttled-at-five: 3 UpdateAlias throttles at five and 2 PutItem throttles at ten, each retried once by the
     * state machine in that stage's shift; the ledger shows the attempts that finally wrote the weights.
     */
    private static void assertThrottlesAndRetriesPerStage(String console, JsonNode data) {
        String shift = "Shift traffic to the stage weight";
        for (JsonNode stage : data.get("stages")) {
            String name = stage.get("stage").asText() + ("promotion".equals(stage.get("window").asText()) ? " (promo)" : "");
            JsonNode expectedThrottles = Json.MAPPER.valueToTree(switch (name) {
                case "five" -> Map.of("UpdateAlias", 3);
                case "ten" -> Map.of("DynamoDB.PutItem", 2);
                default -> Map.of();
            });
            JsonNode expectedRetries = Json.MAPPER.valueToTree(switch (name) {
                case "five" -> Map.of(shift, 3);
                case "ten" -> Map.of(shift, 2);
                default -> Map.of();
            });
            assertThat(stage.get("throttledCalls")).as(name).isEqualTo(expectedThrottles);
            assertThat(stage.get("retries")).as(name).isEqualTo(expectedRetries);
        }
        assertThat(console).containsPattern("(?m)^five .* throttled 3, retries 3  PROMOTE$")
                .containsPattern("(?m)^ten .* throttled 2, retries 2  PROMOTE$")
                .containsPattern("(?m)^one .* throttled 0, retries 0  PROMOTE$");
        List<String> retriedWrites = new ArrayList<>();
        data.get("ledger").forEach(entry -> {
            if (entry.has("attempt")) {
                retriedWrites.add(entry.get("type").asText() + " " + entry.get("stage").asText() + " attempt "
                        + entry.get("attempt").asInt());
            }
        });
        assertThat(retriedWrites).containsExactly("WEIGHT_SET five attempt 4", "WEIGHT_SET ten attempt 3");
    }

    /**
     * Every user request billed the partner stub once (one key, one post each: the healthy stub accepts the first
     * try), no key twice; every shadow-stage request's control emission is matched by the canary's sink row, and the
     * gate's evidence carries those counted figures.
     */
    private static void assertEgressCountedFromRealPosts(String console, JsonNode data) {
        JsonNode egress = data.get("egress");
        long requests = data.get("stickiness").get("requests").asLong();
        long sent = egress.get("users").get("control").get("emissions").asLong()
                + egress.get("users").get("canary").get("emissions").asLong();
        assertThat(sent).as("one billing emission per user request").isEqualTo(requests);
        JsonNode partner = egress.get("partner");
        assertThat(partner.get("keys").asLong()).isEqualTo(requests);
        assertThat(partner.get("posts").asLong()).isEqualTo(requests);
        assertThat(partner.get("keysByPosts")).as("every key posted once").hasSize(1);
        assertThat(partner.get("keysByPosts").get("1").asLong()).isEqualTo(requests);
        assertThat(partner.get("duplicates").asLong()).isZero();
        JsonNode shadow = egress.get("shadow");
        long shadowStageUsers = 300; // every sticky user comes once in the 15-minute shadow bake, every request mirrored
        assertThat(shadow.get("controlEmissions").asLong()).isEqualTo(shadowStageUsers);
        assertThat(shadow.get("matched").asLong()).isEqualTo(shadowStageUsers);
        assertThat(shadow.get("shadowEmissions").asLong()).isEqualTo(shadowStageUsers);
        assertThat(shadow.get("missing").asLong()).isZero();
        assertThat(shadow.get("extra").asLong()).isZero();
        JsonNode shadowStage = data.get("stages").get(0);
        assertThat(shadowStage.get("stage").asText()).isEqualTo("shadow");
        assertThat(shadowStage.get("egress").get("shadow")).isEqualTo(shadow);
        for (JsonNode stage : data.get("stages")) {
            if (!"after-promotion".equals(stage.get("window").asText())) { // that bake's evidence has no egress figures
                assertThat(stage.at("/egress/partnerDuplicates").asLong(-1)).as(stage.get("stage").asText()).isZero();
            }
        }
        assertThat(console).contains("partner stub: " + requests + " posts for " + requests + " dedupe keys ("
                        + requests + " keys posted 1x), duplicates 0")
                .contains("matched 300, missing 0, extra 0")
                .containsPattern("(?m)^    egress: control \\d+ sent, success .*; canary \\d+ sent, .*; partner duplicates 0$");
    }

    @Test
    void theDefaultRehearsalPromotesKeepsUsersStickyAndItsReportRenders(@TempDir Path report) throws Exception {
        CliRun run = CliRun.of("rehearse", "--report", report.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        for (String stage : new String[] {"shadow", "one", "five", "ten", "twentyfive", "fifty"}) {
            assertThat(run.out()).containsPattern("(?m)^" + stage + " .* weight .* virtual .* PROMOTE$");
        }
        assertThat(run.out()).contains("(promo)").contains("PROMOTED: promoted to 100 %")
                .containsPattern("(?m)^full +\\(after\\) +weight 100.0% .* PROMOTE$");
        Matcher shares = Pattern.compile("(?m)^fifty +\\(promo\\) +weight +50.0%  .*users: control (\\d+) / canary (\\d+)").matcher(run.out());
        assertThat(shares.find()).as(run.out()).isTrue();
        JsonNode data = Json.MAPPER.readTree(Files.readString(report.resolve("report.json")));
        assertEveryRowShowsItsOwnEvidence(run.out(), data, report);
        assertEgressCountedFromRealPosts(run.out(), data);
        assertThat(data.get("stickiness").get("addedByWeightIncrease").asLong()).isPositive();
        assertThat(data.get("weights").get(data.get("weights").size() - 1).get("weight").asDouble()).isEqualTo(1.0);
        for (JsonNode stage : data.get("stages")) {
            if (stage.get("weight").asDouble() > 0) {
                assertThat(stage.get("canary").get("p95WarmMs").asDouble()).as(stage.toString()).isPositive();
            }
            if (!"after-promotion".equals(stage.path("window").asText())) {
                assertThat(stage.get("deltaSMedian").asDouble()).isBetween(0.0, 1.0);
            }
        }

        assumeTrue(HeadlessChromium.installed(), HeadlessChromium.SKIP_MESSAGE);
        String dom = HeadlessChromium.dumpDom(report.resolve("report.html"), report.resolve("chromium-profile"));
        assertThat(dom).contains("data-charts-rendered=\"4\"").contains("<span class=\"word\">PROMOTED</span>");
        assertThat(Pattern.compile("<path d=\"M[^\"]+[LHV][^\"]*\"[^>]*class=\"series\"").matcher(dom).results().count()).isEqualTo(7);
    }

    /**
     * Each stage run's gate request counts, in report.json and on its console line, are those of the evidence file the
     * row links (the control's only below weight 1: at 1 the evidence's control is the baseline of the last stage
     * look), so the fifty row and the promotion window's row differ.
     */
    private static void assertEveryRowShowsItsOwnEvidence(String console, JsonNode data, Path report) throws Exception {
        Matcher line = Pattern.compile("(?m)^\\S+ +(?:\\([^)]*\\) +)?weight .*$").matcher(console);
        List<String> rows = new ArrayList<>();
        while (line.find()) {
            rows.add(line.group());
        }
        assertThat(rows).hasSize(data.get("stages").size());
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode stage = data.get("stages").get(i);
            JsonNode file = Json.MAPPER.readTree(Files.readString(report.resolve(stage.get("evidenceFile").asText())));
            JsonNode live = (file.has("evidence") ? file.get("evidence") : file).path("live");
            double weight = stage.get("weight").asDouble();
            String control = weight < 1 && live.has("control") ? live.get("control").get("requests").asText() : "-";
            String canary = weight > 0 && live.has("canary") ? live.get("canary").get("requests").asText() : "-";
            assertThat(stage.path("control").path("requests").asText("-")).as(rows.get(i)).isEqualTo(control);
            assertThat(stage.path("canary").path("requests").asText("-")).as(rows.get(i)).isEqualTo(canary);
            if (!live.isMissingNode()) {
                assertThat(rows.get(i)).contains("gate: control " + control + " / canary " + canary + " requests");
                shown.add(control + " / " + canary);
            }
        }
        assertThat(shown).as("no two rows show the same counts").doesNotHaveDuplicates();
    }

    @Test
    void anAbortShowsTheStoppedStageAndWhatTheCleanupLeft(@TempDir Path report) throws Exception {
        CliRun run = CliRun.of("rehearse", "--scenario", "events/scenarios/abort-at-five.json", "--report", report.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.out()).containsPattern("(?m)^five .* weight +5.00% .* no verdict: stage execution ABORTED$")
                .contains("ROLLED_BACK: stopped at stage five (scenario abort: stopped on entry to \"Replay the gold probes"
                        + " against both versions\" at stage five)\n    cleanup: canary weight 0.0% in every region, lock"
                        + " RELEASED, ledger ends ROLLED_BACK then RELEASED\n");
        JsonNode data = Json.MAPPER.readTree(Files.readString(report.resolve("report.json")));
        assertThat(data.get("finalStatus").asText()).isEqualTo("ROLLED_BACK");
        assertThat(data.get("lockAfter").asText()).isEqualTo("RELEASED");
        assertThat(data.get("aliasAfter").findValuesAsText("us-east-1")).containsExactly("version 41");
        JsonNode ledger = data.get("ledger");
        assertThat(List.of(ledger.get(ledger.size() - 2), ledger.get(ledger.size() - 1)))
                .extracting(e -> e.get("type").asText() + ": " + e.get("reason").asText())
                .allSatisfy(line -> assertThat(line).contains("execution ABORTED").contains("scenario abort: stopped on entry"))
                .extracting(line -> line.substring(0, line.indexOf(':')))
                .containsExactly("ROLLED_BACK", "RELEASED");
    }

    @Test
    void badInputExitsTwoAndStartsNothing(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report");
        CliRun badStart = CliRun.of("rehearse", "functions/core/src/test/resources/contracts/start-rollout/invalid/schema-everything-wrong.json",
                "--report", report.toString());
        assertThat(badStart.exitCode()).isEqualTo(2);
        assertThat(badStart.err()).contains("$.target.canaryVersion");

        CliRun noScenario = CliRun.of("rehearse", "--scenario", dir.resolve("nope.json").toString(), "--report", report.toString());
        assertThat(noScenario.exitCode()).isEqualTo(2);
        assertThat(noScenario.err()).contains("no such scenario file");

        Path badScenario = Files.writeString(dir.resolve("bad.json"), """
                {"approvals": "maybe", "trafic": {"requestsPerSecond": 5},
                 "canary": {"errorRate": -0.1, "latencyMs": {"median": 200, "p95": 100}}}""");
        CliRun wrong = CliRun.of("rehearse", "--scenario", badScenario.toString(), "--report", report.toString());
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).as("every bad field at once").contains("(4 problems)").contains("$.approvals")
                .contains("$.trafic: unknown field").contains("$.canary.errorRate").contains("$.canary.latencyMs.p95");

        assertThat(report).doesNotExist();
        assertThat(badStart.out() + noScenario.out() + wrong.out()).doesNotContain("rehearsing");
    }
}
