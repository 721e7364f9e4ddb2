package dev.ragcanary.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.LogQueryWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.logs.ILogGroup;
import software.amazon.awscdk.services.stepfunctions.IStateMachine;
import software.constructs.Construct;

/**
 * The rollout dashboard. Panels read the Embedded Metric Format metrics the handlers publish (the router in
 * {@value #ROUTER_NAMESPACE}, the weight shifter and the gate in {@value #NAMESPACE}; names and dimensions in
 * docs/metrics.md) through SEARCH expressions, so every function, stage and variant appears without redeploying.
 */
public class ControllerDashboard extends Construct {
    public static final String NAMESPACE = "RagCanary";
    public static final String ROUTER_NAMESPACE = "RagCanary/Router";

    /** One metric a panel reads: a SEARCH over exactly this dimension set, narrowed by {@code filter} if any. */
    public record PanelMetric(String namespace, String name, List<String> dimensions, String filter) {
        String search(String statistic, int periodSeconds) {
            return "SEARCH('{" + namespace + "," + String.join(",", dimensions) + "} MetricName=\"" + name + "\""
                    + (filter.isEmpty() ? "" : " " + filter) + "', '" + statistic + "', " + periodSeconds + ")";
        }
    }

    private static final List<String> ROUTER_LATENCY = List.of("Function", "Alias", "Variant", "ColdStart");
    public static final PanelMetric CANARY_WEIGHT =
            new PanelMetric(NAMESPACE, "CanaryWeight", List.of("FunctionName", "Stage"), "");
    public static final PanelMetric LATENCY_WARM =
            new PanelMetric(ROUTER_NAMESPACE, "LatencyMs", ROUTER_LATENCY, "ColdStart=\"false\"");
    public static final PanelMetric LATENCY_COLD =
            new PanelMetric(ROUTER_NAMESPACE, "LatencyMs", ROUTER_LATENCY, "ColdStart=\"true\"");
    public static final PanelMetric ERRORS = new PanelMetric(ROUTER_NAMESPACE, "Errors",
            List.of("Function", "Alias", "Variant", "FailureClass"), "NOT FailureClass=\"none\"");
    public static final PanelMetric GATE_VERDICT =
            new PanelMetric(NAMESPACE, "GateVerdict", List.of("FunctionName", "Stage", "Decision"), "");
    public static final PanelMetric DELTA_S_MEDIAN =
            new PanelMetric(NAMESPACE, "DeltaSMedian", List.of("FunctionName", "Stage", "Variant"), "");
    public static final PanelMetric COVERAGE =
            new PanelMetric(NAMESPACE, "Coverage", List.of("FunctionName", "Stage", "Variant"), "");
    /** Every metric the panels read; docs/metrics.md documents each. */
    public static final List<PanelMetric> PANEL_METRICS =
            List.of(CANARY_WEIGHT, LATENCY_WARM, LATENCY_COLD, ERRORS, GATE_VERDICT, DELTA_S_MEDIAN, COVERAGE);

    public ControllerDashboard(Construct scope, String id, String name, IStateMachine rollout,
                               ILogGroup stageTransitions) {
        super(scope, id);
        Dashboard dashboard = Dashboard.Builder.create(this, "Dashboard")
                .dashboardName(name + "-rollouts")
                .defaultInterval(Duration.hours(6))
                .build();
        dashboard.addWidgets(
                graph("Canary weight per stage (%)", search(CANARY_WEIGHT, "Maximum", 60)),
                graph("Rollout executions", rolloutExecutions(rollout)));
        dashboard.addWidgets(
                graph("p95 warm latency per variant (ms)", search(LATENCY_WARM, "p95", 60)),
                graph("p95 cold-start latency per variant (ms)",
                        search(LATENCY_COLD, "p95", 60)));
        dashboard.addWidgets(
                graph("Errors by failure class", search(ERRORS, "Sum", 60)),
                graph("Gate verdicts", search(GATE_VERDICT, "Sum", 300)));
        dashboard.addWidgets(
                graph("ΔS median per stage (lower is better)",
                        search(DELTA_S_MEDIAN, "Average", 300)),
                graph("Coverage per stage (higher is better)",
                        search(COVERAGE, "Average", 300)));
        dashboard.addWidgets(LogQueryWidget.Builder.create()
                .title("Stage transitions (stage entered, verdict returned)")
                .logGroupNames(List.of(stageTransitions.getLogGroupName()))
                .queryLines(List.of(
                        "fields @timestamp, detail.name as execution, detail.status as status, detail.output as verdict",
                        "sort @timestamp desc",
                        "limit 50"))
                .width(24)
                .build());
    }

    private static MathExpression search(PanelMetric metric, String statistic, int periodSeconds) {
        return MathExpression.Builder.create()
                .expression(metric.search(statistic, periodSeconds))
                .usingMetrics(Map.of())
                .label("")
                .period(Duration.seconds(periodSeconds))
                .build();
    }

    private static List<IMetric> rolloutExecutions(IStateMachine rollout) {
        return List.of(
                rollout.metricStarted(total("started")),
                rollout.metricSucceeded(total("promoted")),
                rollout.metricFailed(total("failed (rolled back)")),
                rollout.metricAborted(total("aborted")));
    }

    private static MetricOptions total(String label) {
        return MetricOptions.builder().label(label).statistic("Sum").period(Duration.minutes(5)).build();
    }

    private static IWidget graph(String title, MathExpression metric) {
        return graph(title, List.of(metric));
    }

    private static IWidget graph(String title, List<? extends IMetric> metrics) {
        return GraphWidget.Builder.create().title(title).left(List.copyOf(metrics)).width(12).height(6).build();
    }
}
