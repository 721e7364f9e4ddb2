package dev.ragcanary.adapters.secretsmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.aws.StubAwsServer.Request;
import dev.ragcanary.aws.StubAwsServer.Response;
import dev.ragcanary.core.ports.TransientFailureException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/** GetSecretValue as the SDK sends it (JSON 1.1, X-Amz-Target) against Secrets Manager's real answers. */
class SecretsManagerSecretReaderTest {
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rag-canary/edge/cf-AbCdEf";
    private final StubAwsServer secretsManager = new StubAwsServer();
    private final SecretsManagerSecretReader reader = new SecretsManagerSecretReader(AwsClients.build(
            SecretsManagerClient.builder(), secretsManager.endpoint(), Region.US_EAST_1,
            o -> o.retryPolicy(RetryPolicy.none())));

    @AfterEach
    void close() {
        secretsManager.close();
    }

    @Test
    void readsTheSecretStringOfTheArn() {
        secretsManager.then(Response.json(200, "{\"ARN\":\"" + ARN + "\",\"Name\":\"rag-canary/edge/cf\","
                + "\"VersionId\":\"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111\",\"SecretString\":\"cf-token-123\","
                + "\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.764601200E9}"));

        assertThat(reader.secretString(ARN)).isEqualTo("cf-token-123");
        Request call = secretsManager.requests().get(0);
        assertThat(call.header("X-Amz-Target")).isEqualTo("secretsmanager.GetSecretValue");
        assertThat(call.body()).contains("\"SecretId\":\"" + ARN + "\"");
    }

    @Test
    void throttlingIsTransientAndAMissingSecretIsNot() {
        secretsManager.then(Response.json(400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}"))
                .then(Response.json(400, "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"Secrets Manager"
                        + " can't find the specified secret.\"}"));

        assertThatThrownBy(() -> reader.secretString(ARN)).isInstanceOf(TransientFailureException.class);
        assertThatThrownBy(() -> reader.secretString(ARN)).isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("can't find the specified secret");
    }

    @Test
    void aBinarySecretIsRefusedNamingTheArn() {
        secretsManager.then(Response.json(200, "{\"ARN\":\"" + ARN + "\",\"Name\":\"rag-canary/edge/cf\","
                + "\"SecretBinary\":\"AAEC\",\"VersionStages\":[\"AWSCURRENT\"]}"));

        assertThatThrownBy(() -> reader.secretString(ARN)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ARN).hasMessageContaining("no SecretString");
    }
}
