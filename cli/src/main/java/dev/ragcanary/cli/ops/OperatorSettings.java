package dev.ragcanary.cli.ops;

import dev.ragcanary.adapters.sfn.StepFunctionsRolloutExecutions;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.ports.RolloutExecutions;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Option;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Where the operator commands find the deployed controller: the rollout state machine and the rollouts table, from
 * options or the environment. Credentials and region come from the usual AWS settings (environment, profile); Step
 * Functions calls go to the region in the state machine ARN, Lambda calls to each region of the rollout.
 * {@code RAG_CANARY_ENDPOINT_STATES}, {@code RAG_CANARY_ENDPOINT_DYNAMODB} and {@code RAG_CANARY_ENDPOINT_LAMBDA}
 * point them at local servers instead.
 */
public final class OperatorSettings {
    static final String STATE_MACHINE_ENV = "RAG_CANARY_STATE_MACHINE_ARN";
    static final String TABLE_ENV = "ROLLOUTS_TABLE";

    private OperatorSettings() {
    }

    /** The {@code --state-machine-arn} option of the commands that call Step Functions. */
    public static final class StateMachine {
        @Option(names = "--state-machine-arn", paramLabel = "ARN",
                description = "the rollout state machine (default: $" + STATE_MACHINE_ENV + ", the stack output of cdk deploy)")
        String stateMachineArn;

        String stateMachineArn(Map<String, String> env) {
            String arn = stateMachineArn != null ? stateMachineArn : env.get(STATE_MACHINE_ENV);
            if (arn == null || arn.isBlank()) {
                throw new UsageProblem("no rollout state machine: pass --state-machine-arn ARN or set " + STATE_MACHINE_ENV
                        + " (the RolloutStateMachineArn output of cdk deploy)");
            }
            try {
                StepFunctionsRolloutExecutions.regionOf(arn);
            } catch (RolloutExecutions.OperatorException notAnArn) {
                throw new UsageProblem(notAnArn.getMessage());
            }
            return arn;
        }

        boolean configured(Map<String, String> env) {
            return stateMachineArn != null || env.get(STATE_MACHINE_ENV) != null && !env.get(STATE_MACHINE_ENV).isBlank();
        }
    }

    /** The {@code --table} option of the commands that read the rollouts table. */
    public static final class Table {
        @Option(names = "--table", paramLabel = "NAME", description = "the rollouts table (default: $" + TABLE_ENV + ")")
        String table;

        String table(Map<String, String> env) {
            String name = table != null ? table : env.get(TABLE_ENV);
            if (name == null || name.isBlank()) {
                throw new UsageProblem("no rollouts table: pass --table NAME or set " + TABLE_ENV
                        + " (the stack's <tablePrefix>-rollouts table, rag-canary-rollouts by default)");
            }
            return name;
        }
    }

    /** A Step Functions client for the state machine's region (or the local endpoint override). */
    static SfnClient stepFunctions(String stateMachineArn, Map<String, String> env) {
        String local = env.get("RAG_CANARY_ENDPOINT_STATES");
        return AwsClients.build(SfnClient.builder(), local == null ? null : URI.create(local),
                StepFunctionsRolloutExecutions.regionOf(stateMachineArn));
    }

    static DynamoDbClient dynamoDb(Map<String, String> env) {
        return AwsClients.build(DynamoDbClient.builder(), "dynamodb", env);
    }

    /** Who runs the command, for the ledger: {@code --by NAME}, else the OS user. */
    static String operatorName(String by, Map<String, String> env) {
        return by != null ? by : env.getOrDefault("USER", System.getProperty("user.name"));
    }

    /** Lambda clients by region (a rollout's aliases live in each of its regions), built on first use, closed together. */
    static final class LambdaClients implements AutoCloseable {
        private final Map<String, String> env;
        private final Map<String, LambdaClient> byRegion = new ConcurrentHashMap<>();

        LambdaClients(Map<String, String> env) {
            this.env = env;
        }

        LambdaClient in(String region) {
            return byRegion.computeIfAbsent(region, r -> AwsClients.build(LambdaClient.builder(), "lambda", env, Region.of(r)));
        }

        @Override
        public void close() {
            byRegion.values().forEach(LambdaClient::close);
        }
    }
}
