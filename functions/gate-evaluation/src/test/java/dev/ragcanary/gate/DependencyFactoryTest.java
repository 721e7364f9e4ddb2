package dev.ragcanary.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.metrics.LogsInsightsMetricsSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyFactoryTest {

    @Test
    void metricsComeFromTheRoutersLogGroup() {
        assertThat(new DependencyFactory(Map.of("TELEMETRY_LOG_GROUP", "/aws/lambda/rag-canary-router")).metricsSource())
                .isInstanceOf(LogsInsightsMetricsSource.class);
    }

    @Test
    void aMissingLogGroupIsNamed() {
        assertThatThrownBy(() -> new DependencyFactory(Map.of()).metricsSource())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("environment variable TELEMETRY_LOG_GROUP is not set");
    }
}
