package dev.ragcanary.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.ReplayOptions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyFactoryTest {
    private static final Map<String, String> LOCAL = Map.of(
            "AWS_REGION", "us-east-1",
            "RAG_CANARY_ENDPOINT_LAMBDA", "http://127.0.0.1:9",
            "RAG_CANARY_ENDPOINT_S3", "http://127.0.0.1:9");

    @Test
    void replayOptionsComeFromTheEnvironment() {
        Map<String, String> env = new java.util.HashMap<>(LOCAL);
        env.putAll(Map.of("PROBE_CONCURRENCY", "24", "PROBE_TIMEOUT_MS", "2500", "PROBE_MAX_ATTEMPTS", "6",
                "PROBE_MAX_PAGES", "5"));

        assertThat(new DependencyFactory(env).options())
                .isEqualTo(new ReplayOptions(24, Duration.ofMillis(2500), 6, ReplayOptions.DEFAULTS.backoff(), 5));
        assertThat(new DependencyFactory(LOCAL).options()).isEqualTo(ReplayOptions.DEFAULTS);
    }

    @Test
    void aBadSettingNamesTheVariable() {
        Map<String, String> env = new java.util.HashMap<>(LOCAL);
        env.put("PROBE_CONCURRENCY", "lots");

        assertThatThrownBy(() -> new DependencyFactory(env).options())
                .hasMessage("PROBE_CONCURRENCY must be a whole number but was \"lots\"");
    }

    @Test
    void theProbeTargetIsInvokedInTheRegionTheReplayNamesNotTheStacksOwn() {
        try (StubAwsServer lambda = new StubAwsServer()) {
            lambda.then(new StubAwsServer.Response(200, Map.of("Content-Type", "application/json",
                    "X-Amz-Executed-Version", "17"), "{\"answer\":\"a\",\"retrieved\":[]}"));
            Map<String, String> env = Map.of("AWS_REGION", "us-east-1",
                    "RAG_CANARY_ENDPOINT_LAMBDA", lambda.endpoint().toString(),
                    "RAG_CANARY_ENDPOINT_S3", "http://127.0.0.1:9");

            new DependencyFactory(env).probeTargets().in("eu-west-1", "rag-answer")
                    .invoke("17", Json.parse("payload", "{\"question\":\"q\"}"), Duration.ofSeconds(5));

            StubAwsServer.Request invoke = lambda.requests().get(0);
            assertThat(invoke.query()).isEqualTo("Qualifier=17");
            assertThat(signedRegion(invoke.header("Authorization"))).isEqualTo("eu-west-1");
        }
    }

    /** "AWS4-HMAC-SHA256 Credential=local/20250827/eu-west-1/lambda/aws4_request, ..." -> eu-west-1 */
    private static String signedRegion(String authorization) {
        return authorization.substring(authorization.indexOf("Credential=") + "Credential=".length()).split("/")[2];
    }

    @Test
    void theEvidenceBucketIsRequired() {
        assertThatThrownBy(() -> new DependencyFactory(LOCAL).dependencies()).hasMessage("EVIDENCE_BUCKET is not set");
    }
}
