package dev.ragcanary.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * The one place every SDK client is configured (the SDK archetype's DependencyFactory idea, shared by all
 * functions): the lightweight URL-connection HTTP client, region from the Lambda environment, and, for local runs
 * and tests, an endpoint override per service.
 *
 * <p>Endpoint overrides come from {@code RAG_CANARY_ENDPOINT_<SERVICE>} (e.g. {@code RAG_CANARY_ENDPOINT_DYNAMODB=
 * http://127.0.0.1:8000}); when one is set, static dummy credentials are used so a local run needs no AWS account.
 */
public final class AwsClients {
    /**
     * For clients of the controller's functions: the SDK does not retry, so a transient failure fails the action
     * and its one retry owner (the state machine's Retry, Lambda's async retries) runs the idempotent action again,
     * where the execution history shows it; and a call takes at most 5 s, so an action ends well inside its function's
     * timeout instead of being killed between a write and the check that would undo it.
     */
    public static final Consumer<ClientOverrideConfiguration.Builder> CONTROLLER_CALLS =
            o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallTimeout(Duration.ofSeconds(5));

    private AwsClients() {
    }

    /** Configures {@code builder} for {@code service} (the SDK's endpoint prefix: dynamodb, lambda, s3, ...) from the environment. */
    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder, String service) {
        return build(builder, service, System.getenv());
    }

    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder, String service, Map<String, String> env) {
        return build(builder, endpoint(service, env), region(env));
    }

    /** Like {@link #build(AwsClientBuilder, String, Map)} but in {@code region}, for adapters that work across regions. */
    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder, String service,
                                                                                             Map<String, String> env, Region region) {
        return build(builder, service, env, region, overrides -> { });
    }

    /** Like {@link #build(AwsClientBuilder, String, Map, Region)}, with {@code overrides} (e.g. no SDK retries). */
    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, String service, Map<String, String> env, Region region,
            Consumer<ClientOverrideConfiguration.Builder> overrides) {
        return build(builder, endpoint(service, env), region, overrides);
    }

    /** Explicit endpoint (null = the service's AWS endpoint) and region; used by tests against local servers. */
    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder, URI endpoint, Region region) {
        return build(builder, endpoint, region, overrides -> { });
    }

    /**
     * As {@link #build(AwsClientBuilder, String, Map)}, with {@code overrides} applied on top of the shared client
     * settings (e.g. a caller that retries by its own rules turns the SDK's retries off).
     */
    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, String service, Map<String, String> env, Consumer<ClientOverrideConfiguration.Builder> overrides) {
        return build(builder, endpoint(service, env), region(env), overrides);
    }

    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, URI endpoint, Region region, Consumer<ClientOverrideConfiguration.Builder> overrides) {
        ClientOverrideConfiguration.Builder config = ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(60));
        overrides.accept(config);
        builder.httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(30))
                        .build())
                .region(region)
                .overrideConfiguration(config.build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")));
        }
        return builder.build();
    }

    /** The local endpoint override for {@code service}, or null for the service's AWS endpoint. */
    public static URI endpoint(String service, Map<String, String> env) {
        String endpoint = env.get("RAG_CANARY_ENDPOINT_" + service.toUpperCase(Locale.ROOT).replace('-', '_'));
        return endpoint == null ? null : URI.create(endpoint);
    }

    static Region region(Map<String, String> env) {
        String name = env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
        return Region.of(name);
    }
}
