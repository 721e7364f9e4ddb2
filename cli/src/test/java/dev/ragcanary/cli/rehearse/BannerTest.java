package dev.ragcanary.cli.rehearse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.cli.rehearse.RehearsalReport.Rule;
import dev.ragcanary.cli.rehearse.RehearsalReport.StageRun;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BannerTest {
    private static final String LONG_EXPLANATION = "observed 0.4897 [0.4237, 2.428], limit <= 1.2 (samples {canary=2981,"
            + " control=213020}) - error rate canary 0.06709%, control 0.2042%; ".repeat(16);

    @Test
    void aRollbackLeadsWithTheFailedHardStopObservedAndLimitInOneShortLineAndListsTheRestBelow() {
        String fingerprints = "eu-west-1=0xdead/bm25/english, us-east-1=0x51b79f5596a7/bm25/english";
        String reason = "hard stop at stage ten: " + LONG_EXPLANATION;
        StageRun ten = run("ten", reason, List.of(
                new Rule("live.errors.rate.ratio", "FAIL", false, "1.9", "<=", "1.2", null),
                new Rule("index.fingerprint.regionParity", "FAIL", true, fingerprints, "==", "identical", null),
                new Rule("live.latency.p95.ratio", "PASS", true, "1.01", "<=", "1.25", null)));

        Banner banner = Banner.rolledBack(ten);

        assertThat(banner.headline()).hasSizeLessThanOrEqualTo(Banner.MAX_HEADLINE).doesNotContain("\n")
                .startsWith("rolled back at stage ten: index.fingerprint.regionParity observed eu-west-1=0xdead/bm25/")
                .endsWith(", limit == identical (+1 more: live.errors.rate.ratio)");
        assertThat(banner.details()).containsExactly(
                "FAIL index.fingerprint.regionParity observed " + fingerprints + ", limit == identical (hard stop)",
                "FAIL live.errors.rate.ratio observed 1.9, limit <= 1.2",
                "gate: " + reason);
        assertThat(reason).hasSizeGreaterThan(1000);
    }

    @Test
    void runningOutOfExtensionsLeadsWithTheGatesWordsAndAMeasuredRuleNeverObservedNull() {
        String reason = "not enough traffic to judge after 3 extensions: live.cache.hitRatio.drop: no value; "
                + LONG_EXPLANATION;
        StageRun one = run("one", reason, List.of(
                new Rule("live.cache.hitRatio.drop", "INSUFFICIENT", false, "-", "<=", "5", "needs 1000 requests"),
                new Rule("live.errors.rate.ratio", "INSUFFICIENT", false, "0.4897", "<=", "1.2", null),
                new Rule("live.latency.p95.ratio", "PASS", true, "1.01", "<=", "1.25", null)));

        Banner banner = Banner.rolledBack(one);

        assertThat(banner.headline()).isEqualTo("rolled back at stage one: not enough traffic to judge after 3 extensions:"
                + " live.errors.rate.ratio observed 0.4897, limit <= 1.2 (+1 more: live.cache.hitRatio.drop)");
        assertThat(banner.details()).startsWith("INSUFFICIENT live.errors.rate.ratio observed 0.4897, limit <= 1.2",
                "INSUFFICIENT live.cache.hitRatio.drop not measured, limit <= 5: needs 1000 requests");
        assertThat(String.join("\n", banner.details()) + banner.headline()).doesNotContain("observed null")
                .doesNotContain("observed -");
    }

    private static StageRun run(String stage, String reason, List<Rule> rules) {
        return new StageRun(stage, "stage", 0, 0.1, 0, 1800, "ROLLBACK", reason, rules, null, null, null, null, null, null,
                Map.of(), Map.of(), null);
    }
}
