package dev.ragcanary.cli.rehearse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.cli.rehearse.RehearsalReport.WeightPoint;
import dev.ragcanary.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportHtmlTest {
        @Test
    void thePageIsSelfContainedAndCarriesTheStatusTheVerdictsAndEveryRule() {
        String html = ReportHtml.render(SampleReports.rolledBack());

        assertThat(html).doesNotContainPattern("(src|href)=\"https?://").doesNotContain("@import").doesNotContain("url(");
        assertThat(html).contains("id=\"final-status\" class=\"status rolled-back\"").contains(">ROLLED_BACK<")
                .contains("<span class=\"headline\">rolled back at stage five: quality.coverage.perTopic observed 0.52,"
                        + " limit &gt;= 0.7</span></section>\n<ul id=\"final-status-details\">\n<li>FAIL quality.coverage.perTopic observed"
                        + " 0.52, limit &gt;= 0.7 (hard stop): topic billing: 0.52 &lt;script&gt;</li>\n<li>gate: hard stop at stage"
                        + " five: quality.coverage.perTopic: observed 0.52, limit &gt;= 0.7</li>\n</ul>");
        assertThat(html).contains("<code>quality.coverage.perTopic</code> observed 0.52, limit &gt;= 0.7 (hard stop)");
        assertThat(html).as("text from the data is escaped, in the page and in the embedded data")
                .contains("topic billing: 0.52 &lt;script&gt;").doesNotContain("0.52 <script>").contains("0.52 \\u003cscript>")
                .doesNotContain("</script>\"");
        assertThat(html).contains("396 / 4 (1.00%)").contains("71300 / 720").contains("15 min - 45 min");
        assertThat(html).as("what the run left, and the ledger")
                .contains("<b>version 41</b><span>alias in eu-west-1 at the end</span>")
                .contains("<b>RELEASED</b><span>rollout lock at the end</span>")
                .contains("<td>ROLLED_BACK</td><td>five</td><td class=\"num\">0.0%</td><td class=\"num\">2</td>"
                        + "<td class=\"num\"></td><td>Gate.Rollback: hard stop &lt;at&gt; five</td>")
                .contains("<td>WEIGHT_SET</td><td>five</td><td class=\"num\">5.00%</td><td class=\"num\">1</td>"
                        + "<td class=\"num\">attempt 4</td>");
        assertThat(html).as("throttled calls and retries per stage")
                .contains("<td>0 throttled / 0 retries</td>")
                .contains("<td>3 throttled (UpdateAlias 3) / 3 retries (Shift traffic to the stage weight 3)</td>");
        assertThat(html).contains("<p id=\"second-rollout\" class=\"PASS\">second rollout rag-answer-live-v43 (canary"
                + " version 43), started when stage one started: refused by the lock (alias rag-answer:live is locked by"
                + " rollout rag-answer-live-v42 (ACTIVE)); it wrote 0 ledger entries and its canary got 0.0% of the traffic</p>");
    }

    /**
     * The egress panel: the counted figures (users' emissions, partner posts per dedupe key, duplicates, the shadow
     * match) and, per stage run, what the gate judged per variant; report.json carries the same figures.
     */
    @Test
    void theEgressPanelAndTheJsonCarryTheEmissionsPartnerPostsDuplicatesAndTheShadowMatch(@TempDir Path dir)
            throws Exception {
        String html = ReportHtml.render(SampleReports.rolledBack());

        assertThat(html).contains("<section id=\"egress\">")
                .contains("<li>egress (counted from real posts): billing emissions of the sticky users: control 2380 sent, 2380 accepted,"
                        + " 0 retries, 0 suppressed; canary 20 sent, 20 accepted, 0 retries, 0 suppressed</li>")
                .contains("<li>partner stub: 2400 posts for 2400 dedupe keys (2400 keys posted 1x), duplicates 0</li>")
                .contains("<li>shadow: 400 control emissions on mirrored requests, 400 shadow emissions in the canary sink:"
                        + " matched 400, missing 0, extra 0</li>")
                .contains("<tr><td>shadow</td><td>control</td><td class=\"num\">36000</td><td class=\"num\">99.9%</td>"
                        + "<td class=\"num\">0.0100</td><td class=\"num\">150 ms</td><td class=\"num\">0</td>"
                        + "<td class=\"num\">300 / 0 / 0</td></tr>")
                .contains("<tr><td>one</td><td>canary</td><td class=\"num\">720</td><td class=\"num\">96.0%</td>"
                        + "<td class=\"num\">0.3100</td><td class=\"num\">149 ms</td><td class=\"num\">0</td>"
                        + "<td class=\"num\">-</td></tr>");

        ReportFolder.write(dir, SampleReports.rolledBack(), Json.MAPPER.createArrayNode(), Map.of());
        JsonNode data = Json.MAPPER.readTree(Files.readString(dir.resolve("report.json")));
        assertThat(data.at("/egress/users/canary/emissions").asLong()).isEqualTo(20);
        assertThat(data.at("/egress/partner/keysByPosts/1").asLong()).isEqualTo(2400);
        assertThat(data.at("/egress/partner/duplicates").asLong()).isZero();
        assertThat(data.at("/egress/shadow/matched").asLong()).isEqualTo(400);
        assertThat(data.at("/stages/1/egress/canary")).isEqualTo(Json.MAPPER.readTree(
                "{\"emissions\": 720, \"successRate\": 0.96, \"retriesPerEmission\": 0.31, \"ageP95Ms\": 149.0}"));
        assertThat(data.at("/stages/0/egress/shadow")).isEqualTo(Json.MAPPER.readTree(
                "{\"controlEmissions\": 300, \"shadowEmissions\": 300, \"matched\": 300, \"missing\": 0, \"extra\": 0}"));
    }

    @Test
    void theFolderHoldsThePageTheDataTheLedgerAndTheEvidence(@TempDir Path dir) throws Exception {
        JsonNode ledger = Json.MAPPER.readTree("[{\"sequence\":1,\"type\":\"STARTED\"}]");

        Path html = ReportFolder.write(dir, SampleReports.rolledBack(), ledger,
                Map.of("five-0.json", Json.MAPPER.readTree("{\"stage\":\"five\"}")));

        assertThat(html).isEqualTo(dir.resolve("report.html"));
        assertThat(Json.MAPPER.readTree(Files.readString(dir.resolve("ledger.json")))).isEqualTo(ledger);
        assertThat(Json.MAPPER.readTree(Files.readString(dir.resolve("evidence/five-0.json"))).get("stage").asText()).isEqualTo("five");
        assertThat(Json.MAPPER.readTree(Files.readString(dir.resolve("report.json"))).get("finalStatus").asText()).isEqualTo("ROLLED_BACK");
    }

    @Test
    void headlessChromiumRendersTheChartsAndTheFinalStatus(@TempDir Path dir) throws Exception {
        assumeTrue(HeadlessChromium.installed(), HeadlessChromium.SKIP_MESSAGE);
        Path html = ReportFolder.write(dir, SampleReports.rolledBack(), Json.MAPPER.createArrayNode(), Map.of());

        String dom = HeadlessChromium.dumpDom(html, dir.resolve("profile"));

        assertThat(dom).contains("data-charts-rendered=\"4\"");
        assertThat(count(dom, "<svg")).isEqualTo(4);
        Matcher series = Pattern.compile("<path d=\"(M[^\"]+)\"[^>]*class=\"series\" data-series=\"([^\"]+)\"").matcher(dom);
        java.util.List<String> drawn = new java.util.ArrayList<>();
        while (series.find()) {
            drawn.add(series.group(2));
            assertThat(series.group(1)).as("a drawn line has more than its first point").containsPattern("[LHV]");
        }
        assertThat(drawn).containsExactly("canary weight", "control p95 warm", "canary p95 warm", "control error rate",
                "canary error rate", "canary ΔS median", "canary coverage");
        assertThat(count(dom, "class=\"mark")).as("filled and hollow").isGreaterThanOrEqualTo(4 + 3 + 2 + 3 + 2 + 3 + 3);
        assertThat(dom).contains("<span class=\"word\">ROLLED_BACK</span>");
    }

    @Test
    void weightLabelsDoNotOverlapWhereTheFirstStepsAreMinutesApart(@TempDir Path dir) throws Exception {
        assumeTrue(HeadlessChromium.installed(), HeadlessChromium.SKIP_MESSAGE);
        // The default rehearsal's steps: shadow at weight 0 and one at 0.01 are 15 minutes apart in a 4 h 15 min chart.
        RehearsalReport report = SampleReports.rolledBack(List.of(new WeightPoint(0, 0, "shadow"),
                new WeightPoint(900, 0.01, "one"), new WeightPoint(2700, 0.05, "five"), new WeightPoint(4500, 0.1, "ten"),
                new WeightPoint(6300, 0.25, "twentyfive"), new WeightPoint(8100, 0.5, "fifty"),
                new WeightPoint(13500, 1.0, "full"), new WeightPoint(15300, 1.0, "full")));
        Path html = ReportFolder.write(dir, report, Json.MAPPER.createArrayNode(), Map.of());

        String dom = HeadlessChromium.dumpDom(html, dir.resolve("profile"));

        List<double[]> boxes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        Matcher label = Pattern.compile("<text ([^>]*class=\"point-label\"[^>]*)>([^<]*)</text>").matcher(dom);
        while (label.find()) {
            double x = attribute(label.group(1), "x");
            double y = attribute(label.group(1), "y");
            // At 11 px no character of a stage name is wider than 7 px, nor a line taller than 11 px.
            double width = label.group(2).length() * 7.0;
            double left = label.group(1).contains("text-anchor=\"end\"") ? x - width : x;
            boxes.add(new double[] {left, left + width, y - 11, y});
            texts.add(label.group(2));
        }
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size(); j++) {
                double[] a = boxes.get(i);
                double[] b = boxes.get(j);
                boolean overlap = a[0] < b[1] && b[0] < a[1] && a[2] < b[3] && b[2] < a[3];
                assertThat(overlap).as("labels %s and %s overlap", texts.get(i), texts.get(j)).isFalse();
            }
        }
        assertThat(texts).as("each stage labelled once").containsExactly("shadow", "one", "five", "ten", "twentyfive",
                "fifty", "full");
    }

    @Test
    void aP95FromTooFewWarmSamplesIsDrawnHollowWithALegend(@TempDir Path dir) throws Exception {
        assumeTrue(HeadlessChromium.installed(), HeadlessChromium.SKIP_MESSAGE);
        Path html = ReportFolder.write(dir, SampleReports.rolledBack(), Json.MAPPER.createArrayNode(), Map.of());

        String dom = HeadlessChromium.dumpDom(html, dir.resolve("profile"));

        String latency = dom.substring(dom.indexOf("data-chart=\"latency\""), dom.indexOf("data-chart=\"errors\""));
        Matcher hollow = Pattern.compile("<circle [^>]*fill=\"#fff\"[^>]*class=\"mark too-few\"[^>]*>"
                + "<title>(canary|control) p95 warm: (\\d+) ms").matcher(latency);
        List<String> marked = new ArrayList<>();
        while (hollow.find()) {
            marked.add(hollow.group(1) + " " + hollow.group(2));
        }
        assertThat(marked).as("stage one's canary p95 comes from 21 warm samples, under 200").containsExactly("canary 431");
        assertThat(count(latency, "class=\"mark\"")).as("the other points, filled").isEqualTo(3 + 1);
        assertThat(latency).contains("too few to judge (&lt; 200 warm samples)</text>");
        String errors = dom.substring(dom.indexOf("data-chart=\"errors\""), dom.indexOf("data-chart=\"quality\""));
        assertThat(errors).doesNotContain("too-few");
    }

    private static double attribute(String attributes, String name) {
        Matcher value = Pattern.compile("\\b" + name + "=\"([-0-9.]+)\"").matcher(attributes);
        assertThat(value.find()).as(name + " in " + attributes).isTrue();
        return Double.parseDouble(value.group(1));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
