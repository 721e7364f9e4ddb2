package dev.ragcanary.testsupport;

import dev.ragcanary.aws.AwsClients;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * A dynalite process (the DynamoDB API, from npm) on a free loopback port, for tests, benchmarks and local runs.
 *
 * <pre>{@code
 * try (Dynalite dynalite = Dynalite.start()) {
 *     dynalite.createRolloutsTable("rollouts");
 *     DynamoDbClient client = dynalite.client();
 * }
 * }</pre>
 *
 * In JUnit 5 tests prefer {@link DynaliteExtension}. Needs {@code node} on the PATH and {@code npm ci} run in the
 * repository (dynalite is found by walking up from the working directory to {@code node_modules/dynalite}).
 */
public final class Dynalite implements AutoCloseable {
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final URI endpoint;
    private final DynamoDbClient client;

    private Dynalite(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
        this.client = AwsClients.build(DynamoDbClient.builder(), endpoint, Region.US_EAST_1);
    }

    /** Starts dynalite (in memory, tables created instantly) and returns once it answers requests. */
    public static Dynalite start() {
        Path cli = findCli(Path.of("").toAbsolutePath());
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder("node", cli.toString(), "--host", "127.0.0.1", "--port",
                String.valueOf(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile()));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run node to start dynalite (is Node.js 20+ on the PATH?): "
                    + e.getMessage(), e);
        }
        Dynalite dynalite = new Dynalite(process, URI.create("http://127.0.0.1:" + port));
        dynalite.awaitReady();
        return dynalite;
    }

    /** The endpoint to give an SDK client or {@code RAG_CANARY_ENDPOINT_DYNAMODB}. */
    public URI endpoint() {
        return endpoint;
    }

    /** A client for this dynalite (dummy credentials, us-east-1), built the project's one way. */
    public DynamoDbClient client() {
        return client;
    }

    /** Creates a pay-per-request table with string keys; {@code sortKey} may be null. */
    public void createTable(String name, String partitionKey, String sortKey) {
        CreateTableRequest.Builder request = CreateTableRequest.builder().tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST);
        if (sortKey == null) {
            request.attributeDefinitions(stringAttribute(partitionKey))
                    .keySchema(key(partitionKey, KeyType.HASH));
        } else {
            request.attributeDefinitions(stringAttribute(partitionKey), stringAttribute(sortKey))
                    .keySchema(key(partitionKey, KeyType.HASH), key(sortKey, KeyType.RANGE));
        }
        client.createTable(request.build());
        awaitActive(name);
    }

    /**
     * Even with {@code --createTableMs 0} dynalite marks a new table ACTIVE on its next tick, and answers item requests
     * on a CREATING table with ResourceNotFoundException; so wait for ACTIVE (a few milliseconds).
     */
    private void awaitActive(String name) {
        for (int attempt = 0; attempt < 500; attempt++) {
            if (client.describeTable(b -> b.tableName(name)).table().tableStatus() == TableStatus.ACTIVE) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for table " + name, e);
            }
        }
        throw new IllegalStateException("dynalite table " + name + " is not ACTIVE after 5 s");
    }

    /** The rollouts table of the shared contract: {@code pk} (S) + {@code sk} (S), state items and ledger. */
    public void createRolloutsTable(String name) {
        createTable(name, "pk", "sk");
    }

    /** The assignments table of the shared contract: {@code pk} (S); TTL attribute {@code expiresAt}. */
    public void createAssignmentsTable(String name) {
        createTable(name, "pk", null);
    }

    /**
     * The canary sink of shared contract C: {@code dedupeKey} (S) the partition key, and the global secondary index
     * {@code index} on {@code functionVersion} (S) and {@code emittedAt} (N), projecting every attribute.
     */
    public void createEgressSinkTable(String name, String index) {
        client.createTable(CreateTableRequest.builder().tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(stringAttribute("dedupeKey"), stringAttribute("functionVersion"),
                        AttributeDefinition.builder().attributeName("emittedAt").attributeType(ScalarAttributeType.N).build())
                .keySchema(key("dedupeKey", KeyType.HASH))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName(index)
                        .keySchema(key("functionVersion", KeyType.HASH), key("emittedAt", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build())
                .build());
        awaitActive(name);
    }

    @Override
    public void close() {
        client.close();
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("dynalite exited with code " + process.exitValue()
                        + " before answering; see " + logFile());
            }
            try {
                client.listTables();
                return;
            } catch (RuntimeException notYet) {
                last = notYet;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
        throw new IllegalStateException("dynalite did not answer on " + endpoint + " within " + STARTUP_TIMEOUT
                + "; see " + logFile(), last);
    }

    static Path findCli(Path from) {
        for (Path dir = from; dir != null; dir = dir.getParent()) {
            Path cli = dir.resolve("node_modules/dynalite/cli.js");
            if (Files.isRegularFile(cli)) {
                return cli;
            }
        }
        throw new IllegalStateException("dynalite not found in node_modules above " + from
                + "; run `npm ci --no-audit --no-fund` in the repository root first");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for dynalite", e);
        }
    }

    private static File logFile() {
        return new File(System.getProperty("java.io.tmpdir"), "rag-canary-dynalite.log");
    }

    private static AttributeDefinition stringAttribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
