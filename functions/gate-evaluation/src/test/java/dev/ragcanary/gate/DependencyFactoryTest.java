package dev.ragcanary.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.metrics.LogsInsightsMetricsSource;
import dev.ragcanary.s3.S3EvidenceStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyFactoryTest {

    @Test
    void metricsComeFromTheRoutersLogGroup() {
        assertThat(new DependencyFactory(Map.of("TELEMETRY_LOG_GROUP", "/aws/lambda/rag-canary-router")).metricsSource())
                .isInstanceOf(LogsInsightsMetricsSource.class);
    }

    @Test
    void evidenceGoesToTheEvidenceBucket() {
        assertThat(new DependencyFactory(Map.of("EVIDENCE_BUCKET", "rag-canary-evidence", "AWS_REGION", "us-east-1")).evidenceStore())
                .isInstanceOf(S3EvidenceStore.class);
        assertThatThrownBy(() -> new DependencyFactory(Map.of()).evidenceStore())
                .hasMessage("environment variable EVIDENCE_BUCKET is not set");
    }

    @Test
    void verdictsGoToTheRolloutsLedger() {
        assertThat(new DependencyFactory(Map.of("ROLLOUTS_TABLE", "rag-canary-rollouts", "AWS_REGION", "us-east-1")).verdictLog())
                .isNotNull();
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
