package dev.ragcanary.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.metrics.LogsInsightsMetricsSource;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.Events;
import java.util.List;
import dev.ragcanary.adapters.s3.S3EvidenceStore;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DependencyFactoryTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable("rag-canary-rollouts"));

    @Test
    void metricsComeFromTheRoutersLogGroupAndShadowEmissionsFromTheNamedSinkIndex() {
        assertThat(new DependencyFactory(Map.of("TELEMETRY_LOG_GROUP", "/aws/lambda/rag-canary-router",
                "EGRESS_SINK_TABLE", "rag-canary-egress-sink", "EGRESS_SINK_INDEX", "byFunctionVersion")).metricsSource())
                .isInstanceOf(LogsInsightsMetricsSource.class);
    }

    @Test
    void aGateWithoutTheCanarySinkIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> new DependencyFactory(Map.of("TELEMETRY_LOG_GROUP", "/aws/lambda/rag-canary-router",
                "EGRESS_SINK_INDEX", "byFunctionVersion")).metricsSource())
                .hasMessage("environment variable EGRESS_SINK_TABLE is not set");
        assertThatThrownBy(() -> new DependencyFactory(Map.of("TELEMETRY_LOG_GROUP", "/aws/lambda/rag-canary-router",
                "EGRESS_SINK_TABLE", "rag-canary-egress-sink")).metricsSource())
                .hasMessage("environment variable EGRESS_SINK_INDEX is not set");
    }

    @Test
    void evidenceGoesToTheEvidenceBucket() {
        assertThat(new DependencyFactory(Map.of("EVIDENCE_BUCKET", "rag-canary-evidence", "AWS_REGION", "us-east-1")).evidenceStore())
                .isInstanceOf(S3EvidenceStore.class);
        assertThatThrownBy(() -> new DependencyFactory(Map.of()).evidenceStore())
                .hasMessage("environment variable EVIDENCE_BUCKET is not set");
    }

    @Test
    void verdictsGoToTheLedgerInTheNamedRolloutsTable() {
        RolloutRequest plan = RolloutRequestParser.parse(Events.load("start-rollout.json"));
        new DynamoDbRolloutStore(DYNAMO.client(), "rag-canary-rollouts").acquire(RolloutState.initial(plan, "41", null, Step.first("start"), java.time.Instant.now()));
        VerdictLog log = new DependencyFactory(Map.of("ROLLOUTS_TABLE", "rag-canary-rollouts", "AWS_REGION", "us-east-1",
                "RAG_CANARY_ENDPOINT_DYNAMODB", DYNAMO.dynalite().endpoint().toString())).verdictLog();

        log.record(plan, new Verdict("one", 0.01, Decision.PROMOTE, "every rule holds at stage one", 0, List.of()), "k", Step.first("look-1"));

        assertThat(new DynamoDbLedger(DYNAMO.client(), "rag-canary-rollouts").entries(plan.rolloutId()))
                .extracting(LedgerEntry::type).containsExactly(LedgerEntry.Type.STARTED, LedgerEntry.Type.VERDICT);
        assertThatThrownBy(() -> new DependencyFactory(Map.of()).verdictLog())
                .hasMessage("environment variable ROLLOUTS_TABLE is not set");
    }

    @Test
    void aMissingLogGroupIsNamed() {
        assertThatThrownBy(() -> new DependencyFactory(Map.of()).metricsSource())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("environment variable TELEMETRY_LOG_GROUP is not set");
    }
}
