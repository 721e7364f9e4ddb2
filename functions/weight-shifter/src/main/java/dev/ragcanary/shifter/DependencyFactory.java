package dev.ragcanary.shifter;

import dev.ragcanary.adapters.dynamodb.DynamoDbCachePurger;
import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.edge.EdgeConfigPublishers;
import dev.ragcanary.adapters.lambda.LambdaAliasControl;
import dev.ragcanary.adapters.secretsmanager.SecretsManagerSecretReader;
import dev.ragcanary.adapters.sfn.StepFunctionsExecutionInputs;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.ports.ExecutionInputs;
import dev.ragcanary.core.rollout.ProbeSetLocations;
import dev.ragcanary.core.traffic.WeightShifter;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * The one place the weight shifter builds its clients and adapters, from the environment: {@code ROLLOUTS_TABLE}
 * (required), {@code CACHE_TABLE} and {@code CACHE_PURGE_WEBHOOK} (optional purge targets), {@code
 * PROBE_SET_LOCATIONS} (where probe sets may lie), and the
 * {@code RAG_CANARY_ENDPOINT_<SERVICE>} overrides for local runs.
 */
public final class DependencyFactory {
    private final Map<String, String> env;

    public DependencyFactory(Map<String, String> env) {
        this.env = env;
    }

    static DependencyFactory fromEnvironment() {
        return new DependencyFactory(System.getenv());
    }

    /** The SDK does not retry ({@link AwsClients#CONTROLLER_CALLS}). */
    WeightShifter weightShifter() {
        String rolloutsTable = required("ROLLOUTS_TABLE");
        DynamoDbClient dynamo = AwsClients.build(DynamoDbClient.builder(), "dynamodb", env, AwsClients.CONTROLLER_CALLS);
        LambdaAliasControl aliases = new LambdaAliasControl(region -> AwsClients.build(LambdaClient.builder(), "lambda",
                env, Region.of(region), AwsClients.CONTROLLER_CALLS));
        return new WeightShifter(aliases, aliases, new DynamoDbRolloutStore(dynamo, rolloutsTable),
                new DynamoDbLedger(dynamo, rolloutsTable), cachePurger(dynamo), edgePublisher(), Clock.systemUTC(),
                lateRaiseWindow());
    }

    /**
     * Every edge platform's publisher, on its public API, with tokens read from Secrets Manager per publish (a rotated
     * token is used from the next publish on). The Secrets Manager client is built on first use: only a plan with
     * edges needs it, so it stays off the function's cold start. Used by {@code ./canary release} and {@code revert}
     * too.
     */
    public EdgeConfigPublisher edgePublisher() {
        AtomicReference<SecretReader> built = new AtomicReference<>();
        SecretReader secrets = arn -> built.updateAndGet(reader -> reader != null ? reader
                : new SecretsManagerSecretReader(AwsClients.build(SecretsManagerClient.builder(), "secretsmanager", env,
                AwsClients.CONTROLLER_CALLS))).secretString(arn);
        return EdgeConfigPublishers.of(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), secrets,
                Map.of());
    }

    /** {@code TARGET_ALIASES} (comma separated) and {@code PROBE_SET_LOCATIONS}, which the stack sets; unset: none. */
    StackLimits stackLimits() {
        Set<String> aliases = Arrays.stream(env.getOrDefault("TARGET_ALIASES", "").split(",")).map(String::trim)
                .filter(alias -> !alias.isEmpty()).collect(Collectors.toSet());
        return new StackLimits(aliases, ProbeSetLocations.parse(env.get("PROBE_SET_LOCATIONS")));
    }

    /**
     * Reads a rollout execution's start input by its ARN (DescribeExecution), for status events that leave it out. The
     * client is built on first use: only such a cleanup needs it, so it stays off the function's cold start.
     */
    ExecutionInputs executionInputs() {
        AtomicReference<ExecutionInputs> built = new AtomicReference<>();
        return executionArn -> built.updateAndGet(inputs -> inputs != null ? inputs : new StepFunctionsExecutionInputs(
                AwsClients.build(SfnClient.builder(), "states", env, AwsClients.CONTROLLER_CALLS)))
                .startInput(executionArn);
    }

    /**
     * {@code LATE_RAISE_WINDOW_SECONDS}, which the stack sets to this function's timeout plus a margin: how long after a
     * rollback a shift that read the rollout ACTIVE may still be running. Unset (a local invocation):
     * {@link WeightShifter#LATE_RAISE_WINDOW}.
     */
    Duration lateRaiseWindow() {
        String seconds = env.getOrDefault("LATE_RAISE_WINDOW_SECONDS",
                String.valueOf(WeightShifter.LATE_RAISE_WINDOW.toSeconds()));
        if (!seconds.matches("\\d{1,4}")) {
            throw new IllegalStateException("environment variable LATE_RAISE_WINDOW_SECONDS must be a number of seconds"
                    + " (the stack sets it to the weight shifter's timeout plus a margin) but was " + seconds);
        }
        return Duration.ofSeconds(Long.parseLong(seconds));
    }

    /** The purgers {@code CACHE_TABLE} and {@code CACHE_PURGE_WEBHOOK} name (the stack sets them; {@code ./canary revert} passes its options). */
    public CachePurger cachePurger(DynamoDbClient dynamo) {
        List<CachePurger> purgers = new ArrayList<>();
        String table = env.get("CACHE_TABLE");
        if (table != null && !table.isBlank()) {
            purgers.add(new DynamoDbCachePurger(dynamo, table, Clock.systemUTC()));
        }
        String webhook = env.get("CACHE_PURGE_WEBHOOK");
        if (webhook != null && !webhook.isBlank()) {
            purgers.add(new WebhookCachePurger(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
                    URI.create(webhook)));
        }
        return purgers.isEmpty() ? CachePurger.NONE : CachePurger.all(purgers);
    }

    private String required(String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set; the stack sets it to the"
                    + " rollouts table name");
        }
        return value;
    }
}
