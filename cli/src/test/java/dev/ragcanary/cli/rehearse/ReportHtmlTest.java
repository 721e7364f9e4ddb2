package dev.ragcanary.cli.rehearse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
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
                .contains("rolled back at stage five: quality.coverage.perTopic observed 0.52, limit &gt;= 0.7");
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
        assertThat(count(dom, "class=\"mark\"")).isGreaterThanOrEqualTo(4 + 3 + 2 + 3 + 2 + 3 + 3);
        assertThat(dom).contains("<span class=\"word\">ROLLED_BACK</span>");
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
