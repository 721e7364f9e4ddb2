package dev.ragcanary.cli.rehearse;

import dev.ragcanary.core.metrics.EgressMetrics.ShadowMatch;
import dev.ragcanary.core.traffic.EdgeDecisions;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a rehearsal shows, as plain data: filled by the rehearsal as it runs, rendered by {@link ReportHtml}
 * and written as JSON beside it. Times are virtual seconds since the rollout started; nullable numbers are null when
 * the stage did not measure them (no canary traffic at weight 0, no control traffic at weight 1).
 *
 * @param finalStatus PROMOTED, ROLLED_BACK, INTERRUPTED (stopped by a signal: what was known then), or the
 *                    execution's status when it ended otherwise (FAILED, ABORTED, ...)
 * @param banner      a short headline (for a rollback: the deciding rule at its stage, observed vs limit) and details
 * @param wallSeconds real time the rehearsal took
 * @param aliasAfter  region -> what the alias routes once the rollout (and a stopped execution's cleanup) ended
 * @param lockAfter   the rollout state item's status at the end: RELEASED once the lock is free
 * @param ledger      the rollout's ledger (also in {@code ledger.json})
 * @param secondRollout the scenario's second rollout on the same alias, or null when it started none
 * @param egress      the sticky users' billing webhook, counted from real posts and the real sink; null when the
 *                    rehearsal was interrupted before it could count
 */
public record RehearsalReport(
        String rolloutId,
        String scenario,
        String scenarioDescription,
        String finalStatus,
        Banner banner,
        double virtualSeconds,
        double wallSeconds,
        List<WeightPoint> weights,
        List<StageRun> stages,
        Stickiness stickiness,
        ChartLimits thresholds,
        Map<String, String> aliasAfter,
        String lockAfter,
        List<LedgerLine> ledger,
        SecondRollout secondRollout,
        EgressPanel egress) {

    public RehearsalReport {
        weights = List.copyOf(weights);
        stages = List.copyOf(stages);
        aliasAfter = Map.copyOf(aliasAfter);
        ledger = List.copyOf(ledger);
    }

    public boolean promoted() {
        return "PROMOTED".equals(finalStatus);
    }

    /**
     * The limits the charts draw (ΔS and coverage) or mark by (a p95 from fewer than {@code minWarmLatencySamples}
     * warm samples is too few to judge).
     */
    public record ChartLimits(double deltaSMedianMax, double coverageMin, int minWarmLatencySamples) {
    }

    /** The canary weight from {@code atSeconds} on (a step in the weight-over-time chart). */
    public record WeightPoint(double atSeconds, double weight, String stage) {
    }

    /**
     * One stage execution and its verdict.
     *
     * @param window     {@code stage}, {@code promotion} for the promotion window before full, or
     *                   {@code after-promotion} for the bake after the promotion
     * @param extensions how many times the stage had baked before this run
     * @param decision   PROMOTE, ROLLBACK, EXTEND or HOLD; null when the stage ended without a verdict
     * @param evidenceFile the stage's evidence in the report folder (relative path), or null
     * @param throttledCalls control-plane call -> times the simulated fleet throttled it while this was the latest
     *                     stage run (the scenario's throttling of this stage)
     * @param retries      state -> Step Functions retries while this was the latest stage run: in its execution, and
     *                     in the rollout machine's work after it until the next stage run
     * @param egress       the egress figures the gate judged (from the evidence), or null when it had none
     */
    public record StageRun(
            String stage,
            String window,
            int extensions,
            double weight,
            double startSeconds,
            double endSeconds,
            String decision,
            String reason,
            List<Rule> rules,
            Variant control,
            Variant canary,
            Double deltaSMedian,
            Double coverageMean,
            Traffic traffic,
            String evidenceFile,
            Map<String, Integer> throttledCalls,
            Map<String, Integer> retries,
            StageEgress egress) {

        public StageRun {
            rules = rules == null ? List.of() : List.copyOf(rules);
            throttledCalls = Collections.unmodifiableMap(new LinkedHashMap<>(throttledCalls));
            retries = Collections.unmodifiableMap(new LinkedHashMap<>(retries));
        }

        public List<Rule> failedRules() {
            return rules.stream().filter(r -> "FAIL".equals(r.outcome())).toList();
        }
    }

    /**
     * The egress figures of one stage run's evidence, as the gate judged them. In a rehearsal the emission volume per
     * variant is the simulated fleet's (the scenario's {@code egress} knobs); the partner duplicates and the shadow
     * match are counted from the sticky users' real posts and the real sink.
     *
     * @param control null when the variant served no traffic in the window (the canary at shadow, the control at full)
     * @param shadow  the shadow stage's match of the control's emissions on mirrored requests against the sink; null
     *                at any other stage
     */
    public record StageEgress(EgressFigures control, EgressFigures canary, long partnerDuplicates, ShadowMatch shadow) {
    }

    /**
     * One variant's emissions at a stage run.
     *
     * @param successRate        accepted / sent
     * @param retriesPerEmission retries (tries beyond the first) per sent emission
     * @param ageP95Ms           p95 of request start to acceptance, over the accepted emissions
     */
    public record EgressFigures(long emissions, Double successRate, Double retriesPerEmission, Double ageP95Ms) {
    }

    /**
     * The report's egress panel for the whole rehearsal, all counted from real posts: every figure here is what the
     * partner stub received or the canary sink holds, not the scenario's simulated volume.
     *
     * @param users   per variant served ({@code control}, {@code canary}): the sticky users' live billing emissions
     * @param partner what the partner stub received for the dedupe keys the users posted
     * @param shadow  the control's emissions on every mirrored request against the canary's sink rows; null when no
     *                request was mirrored
     */
    public record EgressPanel(Map<String, UsersEmissions> users, PartnerPosts partner, ShadowMatch shadow) {
        public EgressPanel {
            users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        }
    }

    /**
     * @param emissions  sent to the partner (not suppressed)
     * @param successes  accepted by the partner (2xx)
     * @param retries    tries beyond the first, summed
     * @param suppressed not sent: the dedupe key was already claimed or posted
     */
    public record UsersEmissions(long emissions, long successes, long retries, long suppressed) {
    }

    /**
     * @param keys        dedupe keys the users posted
     * @param posts       posts the partner stub received for them (retries included)
     * @param keysByPosts posts received -> how many keys received that many
     * @param duplicates  extra posts the partner accepted for a key (a key accepted {@code n} times counts
     *                    {@code n - 1}): must be 0
     */
    public record PartnerPosts(long keys, long posts, Map<Integer, Long> keysByPosts, long duplicates) {
        public PartnerPosts {
            keysByPosts = Collections.unmodifiableMap(new TreeMap<>(keysByPosts));
        }
    }

    /** One rule of a verdict: observed and limit as the gate printed them. */
    public record Rule(String rule, String outcome, boolean hardStop, String observed, String comparator, String limit,
                       String note) {
    }

    /**
     * Live metrics of one variant over a stage, from its evidence.
     *
     * @param warmSamples warm latency samples the p95 was computed from
     */
    public record Variant(long requests, Double p95WarmMs, Double errorRate, long warmSamples) {
    }

    /**
     * What the simulated sticky users saw through the real router during the stage run's bake.
     *
     * @param effectiveCanaryShare canary requests / all routed requests (null when none were routed)
     * @param controlUsers         distinct users served the control (a user moved inside the run counts on both sides)
     * @param canaryUsers          distinct users served the canary
     * @param edgeDecisions        users sent through an edge router: requests per {@code routing.edge_decision} of
     *                             the core router (trusted, absent, stale_epoch, ...); null when they reached the core
     *                             router directly
     */
    public record Traffic(long controlRequests, long canaryRequests, Double effectiveCanaryShare, long controlUsers,
                          long canaryUsers, Map<String, Long> edgeDecisions) {
        /** Requests that carried a decision the edge signed (every outcome but absent). */
        public long edgeDecided() {
            return edgeDecisions.entrySet().stream().filter(e -> !EdgeDecisions.Outcome.ABSENT.label().equals(e.getKey()))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        public long edgeTrusted() {
            return edgeDecisions.getOrDefault(EdgeDecisions.Outcome.TRUSTED.label(), 0L);
        }
    }

    /**
     * Another rollout started on the same alias while this one ran.
     *
     * @param duringStage      this rollout's stage whose execution had just started
     * @param status           how its execution ended, with {@code error} and a readable {@code reason}
     * @param refusedByTheLock whether it was refused because this rollout held the alias lock
     * @param ledgerEntries    entries it wrote (0: it changed nothing)
     * @param canaryWeightEver the largest share of traffic its canary version ever got
     */
    public record SecondRollout(String rolloutId, String canaryVersion, String duringStage, String status, String error,
                                String reason, boolean refusedByTheLock, int ledgerEntries, double canaryWeightEver) {

        /** One line: what happened to it, and that it touched nothing (or what it touched). */
        public String sentence() {
            return "second rollout " + rolloutId + " (canary version " + canaryVersion + "), started when stage "
                    + duringStage + " started: " + (refusedByTheLock ? "refused by the lock" : "NOT refused by the lock,"
                    + " ended " + status + (error == null ? "" : " " + error)) + (reason == null ? "" : " (" + reason + ")")
                    + "; it wrote " + ledgerEntries + " ledger entries and its canary got "
                    + ReportHtml.percent(canaryWeightEver) + " of the traffic";
        }
    }

    /**
     * One ledger entry as the report shows it.
     *
     * @param attempt the attempt of the request that wrote it, when not the first (a Step Functions retry); else null
     */
    public record LedgerLine(long sequence, String type, String stage, double weight, long epoch, String reason,
                             Integer attempt) {
    }

    /**
     * The stickiness audit, request by request (docs/design.md, "Traffic"; {@link StickyTraffic} states the rule).
     *
     * @param addedByWeightIncrease users moved from control to canary because a weight increase took their bucket in
     * @param movedBackByRollback   users moved from canary back to control by a rollback (an epoch bump)
     * @param violatingUsers        users served against the rule at least once: must be 0, else the rehearsal fails
     * @param violatingRequests     requests served against the rule
     * @param examples              the first few violations, in the order they happened
     */
    public record Stickiness(long users, long requests, long addedByWeightIncrease, long movedBackByRollback,
                             long violatingUsers, long violatingRequests, List<Violation> examples) {
        public Stickiness {
            examples = List.copyOf(examples);
        }

        public boolean held() {
            return violatingRequests == 0;
        }
    }

    /**
     * One request served against the stickiness rule.
     *
     * @param atSeconds virtual seconds since the rollout started
     * @param stage     the stage of the rollout state the router decided with ("none" before any)
     * @param before    the variant the user was served before (null on their first request)
     * @param served    the variant served now
     * @param why       which rule, with the user's bucket and the weight
     */
    public record Violation(String user, double atSeconds, String stage, String before, String served, String why) {
    }
}
