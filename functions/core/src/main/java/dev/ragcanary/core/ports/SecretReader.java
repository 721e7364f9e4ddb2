package dev.ragcanary.core.ports;

/** Reads a secret's current value by its ARN (Secrets Manager); the value never leaves the adapter that needs it. */
public interface SecretReader {
    /** The secret's SecretString; a throttled or failed call is a {@link TransientFailureException}. */
    String secretString(String secretArn);
}
