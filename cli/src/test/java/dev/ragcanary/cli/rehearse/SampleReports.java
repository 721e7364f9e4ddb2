package dev.ragcanary.cli.rehearse;

import dev.ragcanary.cli.rehearse.RehearsalReport.EgressFigures;
import dev.ragcanary.cli.rehearse.RehearsalReport.EgressPanel;
import dev.ragcanary.cli.rehearse.RehearsalReport.LedgerLine;
import dev.ragcanary.cli.rehearse.RehearsalReport.PartnerPosts;
import dev.ragcanary.cli.rehearse.RehearsalReport.StageEgress;
import dev.ragcanary.cli.rehearse.RehearsalReport.UsersEmissions;
import dev.ragcanary.cli.rehearse.RehearsalReport.ChartLimits;
import dev.ragcanary.cli.rehearse.RehearsalReport.Rule;
import dev.ragcanary.cli.rehearse.RehearsalReport.SecondRollout;
import dev.ragcanary.cli.rehearse.RehearsalReport.StageRun;
import dev.ragcanary.cli.rehearse.RehearsalReport.Stickiness;
import dev.ragcanary.cli.rehearse.RehearsalReport.Traffic;
import dev.ragcanary.cli.rehearse.RehearsalReport.Variant;
import dev.ragcanary.cli.rehearse.RehearsalReport.WeightPoint;
import dev.ragcanary.core.metrics.EgressMetrics.ShadowMatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hand-built reports for rendering tests. */
final class SampleReports {
    private SampleReports() {
    }

    static List<Rule> passing() {
        return List.of(new Rule("quality.deltaS.median", "PASS", false, "0.33", "<=", "0.45", null),
                new Rule("quality.coverage.mean", "PASS", false, "0.81", ">=", "0.7", null),
                new Rule("live.errors.rate.ratio", "PASS", false, "1.02", "<=", "1.2", null));
    }

    /**
     * Shadow and stage one pass, stage five (whose shift was throttled 3 times, so its weight was set by attempt 4)
     * fails its topic coverage hard stop: rolled back. Stage one's canary p95 comes from 21 warm samples, too few to
     * judge.
     */
    static RehearsalReport rolledBack() {
        return rolledBack(List.of(new WeightPoint(0, 0, "shadow"), new WeightPoint(900, 0.01, "one"),
                new WeightPoint(2700, 0.05, "five"), new WeightPoint(4500, 0, "five")));
    }

    /** The users' emissions per variant served, control first as a rehearsal lists them. */
    private static Map<String, UsersEmissions> usersEmissions() {
        Map<String, UsersEmissions> users = new LinkedHashMap<>();
        users.put("control", new UsersEmissions(2380, 2380, 0, 0));
        users.put("canary", new UsersEmissions(20, 20, 0, 0));
        return users;
    }

    /** As {@link #rolledBack()}, with the canary weight over time given. */
    static RehearsalReport rolledBack(List<WeightPoint> weights) {
        StageRun shadow = new StageRun("shadow", "stage", 0, 0, 0, 900, "PROMOTE", "every rule holds", passing(),
                new Variant(36000, 420.0, 0.002, 20000), null, 0.33, 0.81, new Traffic(800, 0, 0.0, 400, 0, null), "evidence/shadow-0.json",
                Map.of(), Map.of(), new StageEgress(new EgressFigures(36000, 0.999, 0.01, 150.0), null, 0,
                new ShadowMatch(300, 300, 300, 0, 0)));
        StageRun one = new StageRun("one", "stage", 0, 0.01, 900, 2700, "PROMOTE", "every rule holds", passing(),
                new Variant(71300, 418.0, 0.0021, 20000), new Variant(720, 431.0, 0.0019, 21), 0.34, 0.80,
                new Traffic(792, 8, 0.01, 396, 4, null), "evidence/one-0.json", Map.of(), Map.of(),
                new StageEgress(new EgressFigures(71300, 0.999, 0.01, 151.0), new EgressFigures(720, 0.96, 0.31, 149.0), 0,
                        null));
        List<Rule> five = List.of(new Rule("quality.deltaS.median", "PASS", false, "0.39", "<=", "0.45", null),
                new Rule("quality.coverage.perTopic", "FAIL", true, "0.52", ">=", "0.7", "topic billing: 0.52 <script>"),
                new Rule("live.latency.p95.ratio", "PASS", false, "1.03", "<=", "1.25", null));
        StageRun fiveRun = new StageRun("five", "stage", 0, 0.05, 2700, 4500, "ROLLBACK",
                "hard stop at stage five: quality.coverage.perTopic: observed 0.52, limit >= 0.7", five,
                new Variant(68400, 421.0, 0.002, 20000), new Variant(3600, 440.0, 0.0022, 3000), 0.39, 0.55,
                new Traffic(760, 40, 0.05, 380, 20, null), "evidence/five-0.json", Map.of("UpdateAlias", 3),
                Map.of("Shift traffic to the stage weight", 3), null);
        return new RehearsalReport("rag-answer-live-v42", "quality-regression", "the canary's analyzer retrieves worse sections",
                "ROLLED_BACK", Banner.rolledBack(fiveRun), 4500, 21.4, weights,
                List.of(shadow, one, fiveRun), new Stickiness(400, 2400, 16, 20, 0, 0, List.of()), new ChartLimits(0.45, 0.70, 200),
                Map.of("us-east-1", "version 41", "eu-west-1", "version 41"), "RELEASED",
                List.of(new LedgerLine(1, "STARTED", "shadow", 0, 1, "control version 41", null),
                        new LedgerLine(2, "WEIGHT_SET", "five", 0.05, 1, "stage five at weight 0.05", 4),
                        new LedgerLine(3, "ROLLED_BACK", "five", 0, 2, "Gate.Rollback: hard stop <at> five", null),
                        new LedgerLine(4, "RELEASED", "five", 0, 2, "lock released after ROLLED_BACK", null)),
                new SecondRollout("rag-answer-live-v43", "43", "one", "FAILED", "RolloutLockedException",
                        "alias rag-answer:live is locked by rollout rag-answer-live-v42 (ACTIVE)", true, 0, 0),
                new EgressPanel(usersEmissions(), new PartnerPosts(2400, 2400, Map.of(1, 2400L), 0),
                        new ShadowMatch(400, 400, 400, 0, 0)));
    }
}
