package dev.ragcanary.gate;

import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.dynamodb.DynamoDbShadowSink;
import dev.ragcanary.adapters.metrics.LogsInsightsMetricsSource;
import dev.ragcanary.adapters.s3.S3Clients;
import dev.ragcanary.adapters.s3.S3EvidenceStore;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.Sleeper;
import dev.ragcanary.core.traffic.LedgerNotes;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The one place the gate evaluation function builds its clients and adapters, from the environment:
 * {@code TELEMETRY_LOG_GROUP} (the router's log group, same name in every region), {@code EGRESS_SINK_TABLE} and
 * {@code EGRESS_SINK_INDEX} (the canary sink and its functionVersion/emittedAt index, same name in every region),
 * {@code EVIDENCE_BUCKET} and {@code ROLLOUTS_TABLE} (the ledger every verdict is written to).
 */
final class DependencyFactory {
    private final Map<String, String> env;
    private final Map<String, CloudWatchLogsClient> logsClients = new ConcurrentHashMap<>();
    private final Map<String, DynamoDbClient> sinkClients = new ConcurrentHashMap<>();

    DependencyFactory(Map<String, String> env) {
        this.env = env;
    }

    static DependencyFactory fromEnvironment() {
        return new DependencyFactory(System.getenv());
    }

    GateEvaluationService gateEvaluationService() {
        return new GateEvaluationService(metricsSource(), evidenceStore(), GateEngine.standard(), verdictLog());
    }

    /** The rollout's ledger in the rollouts table, the same one the weight shifter writes; no SDK retries. */
    VerdictLog verdictLog() {
        String table = required("ROLLOUTS_TABLE");
        DynamoDbClient dynamo = AwsClients.build(DynamoDbClient.builder(), "dynamodb", env, AwsClients.CONTROLLER_CALLS);
        return VerdictLog.ledger(new LedgerNotes(new DynamoDbRolloutStore(dynamo, table), new DynamoDbLedger(dynamo, table),
                Clock.systemUTC()));
    }

    /**
     * Logs Insights in each region the stage covers; a query usually completes in a few seconds. Calls take at most 5 s
     * and are not retried by the SDK, so none outlasts the gate's deadline by more than that; a refused query is
     * retried by the state machine. Shadow emissions are matched against the canary sink of the same region.
     */
    MetricsSource metricsSource() {
        String logGroup = required("TELEMETRY_LOG_GROUP");
        DynamoDbShadowSink sink = new DynamoDbShadowSink(region -> sinkClients.computeIfAbsent(region,
                r -> AwsClients.build(DynamoDbClient.builder(), "dynamodb", env, Region.of(r),
                        AwsClients.CONTROLLER_CALLS)),
                required("EGRESS_SINK_TABLE"), required("EGRESS_SINK_INDEX"));
        return new LogsInsightsMetricsSource(region -> logsClients.computeIfAbsent(region,
                r -> AwsClients.build(CloudWatchLogsClient.builder(), "logs", env, Region.of(r),
                        AwsClients.CONTROLLER_CALLS)),
                logGroup, Duration.ofSeconds(1), Sleeper.REAL, Clock.systemUTC(), sink);
    }

    /** Evidence bundles go to the evidence bucket, next to the probe replay's detail. */
    EvidenceStore evidenceStore() {
        String bucket = required("EVIDENCE_BUCKET");
        return new S3EvidenceStore(S3Clients.fromEnv(env), bucket);
    }

    private String required(String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set");
        }
        return value;
    }
}
