package dev.ragcanary.bench.router;

import dev.ragcanary.testsupport.LoopbackHttpServer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.ragcanary.adapters.dynamodb.DynamoDbAssignmentStore;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.adapters.lambda.LambdaVersionInvoker;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.VersionInvoker;
import dev.ragcanary.core.stats.Percentiles;
import dev.ragcanary.core.traffic.StickyRouter;
import dev.ragcanary.router.DownstreamPayload;
import dev.ragcanary.router.IdentitySettings;
import dev.ragcanary.router.Telemetry;
import dev.ragcanary.router.TrafficRouter;
import dev.ragcanary.testsupport.Dynalite;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Latency the router adds under concurrent load: p50/p99 of routed requests (state cache, DynamoDB assignment read
 * and, for new keys, conditional write on dynalite, invoke by qualifier, telemetry line) against direct invokes of the
 * same simulated function (a local Lambda Invoke endpoint answering after {@code --function-ms}), as ratios.
 *
 * <p>Run from the repository root (dynalite is found in node_modules):
 * {@code java -cp benchmarks/target/benchmarks.jar dev.ragcanary.bench.router.RouterLoadBench --function-ms 50}
 */
public final class RouterLoadBench {
    private RouterLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        int functionMs = intArg(args, "--function-ms", 50);
        int threads = intArg(args, "--threads", 8);
        int requests = intArg(args, "--requests", 400);
        int users = intArg(args, "--users", 2_000);

        HttpServer function = simulatedFunction(functionMs);
        try (Dynalite dynalite = Dynalite.start()) {
            dynalite.createRolloutsTable("rollouts");
            dynalite.createAssignmentsTable("assignments");
            DynamoDbRolloutStore rollouts = new DynamoDbRolloutStore(dynalite.client(), "rollouts");
            rollouts.acquire(BenchRollouts.active());
            URI functionEndpoint = URI.create("http://127.0.0.1:" + function.getAddress().getPort());
            byte[] directPayload = Json.compact(Map.of("question", "How do I roll back?")).getBytes(StandardCharsets.UTF_8);

            IntFunction<Runnable> direct = thread -> {
                VersionInvoker invoker = invoker(functionEndpoint);
                return () -> invoker.invoke("live", directPayload);
            };
            IntFunction<Runnable> routed = thread -> {
                StickyRouter sticky = new StickyRouter(BenchRollouts.SETTINGS, rollouts,
                        new DynamoDbAssignmentStore(dynalite.client(), "assignments"), Clock.systemUTC(), () -> 1);
                TrafficRouter router = new TrafficRouter(sticky, invoker(functionEndpoint),
                        new Telemetry(line -> { }, BenchRollouts.FUNCTION, BenchRollouts.ALIAS, "local"),
                        // The bench's events carry x-tenant-id as a front door without an authorizer would set it.
                        DownstreamPayload.EVENT, IdentitySettings.fromEnvironment(Map.of("IDENTITY_SOURCE", "header")),
                        Clock.systemUTC());
                return () -> router.handle(event("tenant-" + ThreadLocalRandom.current().nextInt(users)));
            };

            run("warm-up direct", direct, threads, requests / 4);
            run("warm-up routed", routed, threads, requests / 4);
            double[] directMs = run("direct", direct, threads, requests);
            double[] routedMs = run("routed", routed, threads, requests);

            System.out.printf("router load: %d threads x %d requests, %d users, simulated function %d ms, dynalite on loopback%n",
                    threads, requests, users, functionMs);
            System.out.printf("direct invoke  p50 %7.2f ms  p99 %7.2f ms%n", Percentiles.of(directMs, 0.50), Percentiles.of(directMs, 0.99));
            System.out.printf("routed         p50 %7.2f ms  p99 %7.2f ms%n", Percentiles.of(routedMs, 0.50), Percentiles.of(routedMs, 0.99));
            System.out.printf("routed/direct  p50 %7.2fx    p99 %7.2fx%n",
                    Percentiles.of(routedMs, 0.50) / Percentiles.of(directMs, 0.50),
                    Percentiles.of(routedMs, 0.99) / Percentiles.of(directMs, 0.99));
        } finally {
            function.stop(0);
        }
    }

    /** Each thread gets its own router (like separate Lambda instances) and runs {@code perThread} requests. */
    private static double[] run(String name, IntFunction<Runnable> perThreadClient, int threads, int perThread)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<double[]>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Runnable call = perThreadClient.apply(t);
            futures.add(pool.submit(() -> {
                double[] ms = new double[perThread];
                for (int i = 0; i < perThread; i++) {
                    long start = System.nanoTime();
                    call.run();
                    ms[i] = (System.nanoTime() - start) / 1e6;
                }
                return ms;
            }));
        }
        double[] all = new double[threads * perThread];
        for (int t = 0; t < threads; t++) {
            System.arraycopy(futures.get(t).get(), 0, all, t * perThread, perThread);
        }
        pool.shutdown();
        return all;
    }

    private static VersionInvoker invoker(URI endpoint) {
        return new LambdaVersionInvoker(AwsClients.build(LambdaClient.builder(), endpoint, Region.US_EAST_1),
                BenchRollouts.FUNCTION);
    }

    private static ObjectNode event(String tenant) {
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("version", "2.0").put("routeKey", "$default").put("rawPath", "/answer");
        event.putObject("headers").put("x-tenant-id", tenant).put("content-type", "application/json");
        event.put("body", "{\"question\":\"How do I roll back?\"}");
        event.put("isBase64Encoded", false);
        return event;
    }

    /** A local Lambda Invoke endpoint: answers every invocation with a RAG response after {@code delayMs}. */
    private static HttpServer simulatedFunction(int delayMs) throws IOException {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs: +40 ms per call.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        byte[] reply = Json.compact(Map.of("statusCode", 200, "headers", Map.of("content-type", "application/json"),
                "body", Json.compact(Map.of("answer", "Run the rollback action.",
                        "retrieved", List.of(Map.of("sectionId", "ops-7", "text", "To roll back...", "score", 0.8)),
                        "index", Map.of("INDEX_HASH", "0x9a77", "metric", "cosine", "analyzer", "bilstem"),
                        "cache", Map.of("prefix", "v1:", "hit", false))))).getBytes(StandardCharsets.UTF_8);
        HttpServer server = LoopbackHttpServer.create();
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String path = exchange.getRequestURI().getQuery();
            String version = path != null && path.contains("Qualifier=42") ? "42" : "41";
            exchange.getResponseHeaders().add("X-Amz-Executed-Version", version);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
