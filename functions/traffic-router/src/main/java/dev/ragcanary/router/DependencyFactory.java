package dev.ragcanary.router;

import dev.ragcanary.adapters.dynamodb.DynamoDbAssignmentStore;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.lambda.LambdaVersionInvoker;
import dev.ragcanary.adapters.secretsmanager.SecretsManagerSecretReader;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.traffic.EdgeDecisionKeys;
import dev.ragcanary.core.traffic.EdgeDecisions;
import dev.ragcanary.core.traffic.StickyRouter;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The one place the router builds its clients and adapters, from the environment: {@code TARGET_FUNCTION} and
 * {@code TARGET_ALIAS} (what is routed), {@code ROLLOUTS_TABLE}, {@code ASSIGNMENTS_TABLE}, and optionally
 * {@code STATE_CACHE_SECONDS} (default 5), {@code SHADOW_SAMPLE_RATE} (default 0.05), {@code DOWNSTREAM_PAYLOAD}
 * ({@code event} or {@code body}, default event), the caller identity settings ({@link IdentitySettings#fromEnvironment}:
 * from the authorizer context and required unless set otherwise), {@code EDGE_DECISION_KEYS_SECRET} (name or ARN of
 * the secret holding the keys edge routers sign their decisions with; unset: no edge decision is trusted) and {@code
 * EDGE_DECISION_KEYS_TTL_SECONDS} (how often it is read again, default 300), plus {@code RAG_CANARY_ENDPOINT_<SERVICE>}
 * for local runs.
 */
final class DependencyFactory {
    private final Map<String, String> env;

    DependencyFactory(Map<String, String> env) {
        this.env = env;
    }

    static DependencyFactory fromEnvironment() {
        return new DependencyFactory(System.getenv());
    }

    TrafficRouter trafficRouter() {
        String function = required("TARGET_FUNCTION", "the function whose alias is routed");
        String alias = required("TARGET_ALIAS", "the alias users call");
        String rollouts = required("ROLLOUTS_TABLE", "the rollouts table name");
        String assignments = required("ASSIGNMENTS_TABLE", "the assignments table name");
        long cacheSeconds = Long.parseLong(env.getOrDefault("STATE_CACHE_SECONDS", "5"));
        double shadowRate = Double.parseDouble(env.getOrDefault("SHADOW_SAMPLE_RATE", "0.05"));
        DownstreamPayload mode = DownstreamPayload.valueOf(
                env.getOrDefault("DOWNSTREAM_PAYLOAD", "event").toUpperCase(Locale.ROOT));
        // Routing sits in front of every request: a slow assignment store falls back to control within a second
        // (a cold TLS handshake included), and a throttled RAG function's 429 goes back to the caller instead of
        // being multiplied by SDK retries.
        DynamoDbClient dynamo = AwsClients.build(DynamoDbClient.builder(), "dynamodb", env,
                o -> o.apiCallTimeout(Duration.ofSeconds(1)).apiCallAttemptTimeout(Duration.ofMillis(400)));
        LambdaClient lambda = AwsClients.build(LambdaClient.builder(), "lambda", env,
                o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        String region = env.get("AWS_REGION");
        StickyRouter router = new StickyRouter(
                new StickyRouter.Settings(function, alias, region, Duration.ofSeconds(cacheSeconds), shadowRate),
                new DynamoDbRolloutStore(dynamo, rollouts).routingReader(), new DynamoDbAssignmentStore(dynamo, assignments),
                Clock.systemUTC(), () -> ThreadLocalRandom.current().nextDouble(), edgeDecisions());
        Telemetry telemetry = new Telemetry(System.out::println, function, alias, region == null ? "local" : region);
        return new TrafficRouter(router, new LambdaVersionInvoker(lambda, function), telemetry, mode,
                IdentitySettings.fromEnvironment(env), Clock.systemUTC());
    }

    /**
     * The keys are read on the first signed request and every TTL after, in the request's path: the call is bounded
     * like the assignment store's, and a failed read keeps the keys last read.
     */
    EdgeDecisions edgeDecisions() {
        String secret = env.get("EDGE_DECISION_KEYS_SECRET");
        if (secret == null || secret.isBlank()) {
            return EdgeDecisions.NONE;
        }
        long ttlSeconds = Long.parseLong(env.getOrDefault("EDGE_DECISION_KEYS_TTL_SECONDS", "300"));
        SecretsManagerClient secrets = AwsClients.build(SecretsManagerClient.builder(), "secretsmanager", env,
                o -> o.apiCallTimeout(Duration.ofSeconds(1)).retryStrategy(AwsRetryStrategy.doNotRetry()));
        return new EdgeDecisions(new EdgeDecisionKeys(new SecretsManagerSecretReader(secrets), secret,
                Clock.systemUTC(), Duration.ofSeconds(ttlSeconds)), Clock.systemUTC());
    }

    private String required(String name, String what) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set; it names " + what);
        }
        return value;
    }
}
