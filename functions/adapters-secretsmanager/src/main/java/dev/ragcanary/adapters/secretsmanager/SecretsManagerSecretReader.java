package dev.ragcanary.adapters.secretsmanager;

import dev.ragcanary.aws.TransientFailures;
import dev.ragcanary.core.ports.SecretReader;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;

/**
 * {@link SecretReader} over GetSecretValue (the secret's AWSCURRENT version). Throttling and 5xx become
 * {@link dev.ragcanary.core.ports.TransientFailureException} for the caller's retry owner; anything else (access
 * denied, no such secret, a binary secret) fails as the SDK said, naming the ARN but never the value.
 */
public final class SecretsManagerSecretReader implements SecretReader {
    private final SecretsManagerClient client;

    public SecretsManagerSecretReader(SecretsManagerClient client) {
        this.client = client;
    }

    @Override
    public String secretString(String secretArn) {
        String value;
        try {
            value = client.getSecretValue(GetSecretValueRequest.builder().secretId(secretArn).build()).secretString();
        } catch (RuntimeException e) {
            throw TransientFailures.reported(e);
        }
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("secret " + secretArn + " has no SecretString (a binary secret or an empty"
                    + " one); store the value as text");
        }
        return value;
    }
}
