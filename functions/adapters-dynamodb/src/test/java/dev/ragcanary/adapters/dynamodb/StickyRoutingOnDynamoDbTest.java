package dev.ragcanary.adapters.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RouteDecision;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.core.traffic.StickyRouter;
import dev.ragcanary.core.traffic.Variant;
import dev.ragcanary.core.traffic.WeightShifter;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.InMemoryLambdaAliases;
import dev.ragcanary.testsupport.SteppedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The sticky router's guarantees against the real DynamoDB API (dynalite), under concurrency. */
class StickyRoutingOnDynamoDbTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> {
        d.createRolloutsTable("rollouts");
        d.createAssignmentsTable("assignments");
    });
    private static final Duration STATE_CACHE = Duration.ofSeconds(5);

    private final DynamoDbRolloutStore rollouts = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
    private final DynamoDbAssignmentStore assignments = new DynamoDbAssignmentStore(DYNAMO.client(), "assignments");
    private final SteppedClock clock = new SteppedClock(Instant.parse("2026-01-01T00:00:00Z"));

    private static RolloutRequest plan(String function) {
        return RolloutRequestParser.parse("""
                {"rolloutId": "%s-live-v42",
                 "target": {"functionName": "%s", "alias": "live", "canaryVersion": "42"},
                 "sticky": {"keyAttribute": "x-user"},
                 "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
                 "cachePrefixes": {"control": "v1:", "canary": "v2-cnr:"},
                 "probeSet": "probes.json",
                 "regions": ["us-east-1"]}
                """.formatted(function, function));
    }

    /** Reads the state as the deployed router does ({@link DynamoDbRolloutStore#routingReader()}). */
    private StickyRouter router(String function) {
        return new StickyRouter(new StickyRouter.Settings(function, "live", "us-east-1", STATE_CACHE, 0),
                rollouts.routingReader(), assignments, clock, () -> 1);
    }

    private static RouteRequest user(String key) {
        return new RouteRequest(Map.of("x-user", key), () -> null);
    }

    @Test
    void thirtyTwoThreadsResolvingTheSameKeysGetOneAssignmentPerKeyAndOneVariantPerKey() throws Exception {
        String function = "rag-concurrent";
        rollouts.acquire(RolloutState.initial(plan(function), "41", null, Step.first("start"), clock.instant()).withStage("fifty", 0.50, Map.of("us-east-1", 0.5)));
        List<String> keys = IntStream.range(0, 2_000).mapToObj(i -> "user-" + i).toList();
        Map<String, Set<Variant>> served = new ConcurrentHashMap<>();
        LongAdder written = new LongAdder();
        LongAdder fallbacks = new LongAdder();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            StickyRouter router = router(function); // one router per thread: 32 independent Lambda instances
            workers.add(pool.submit(() -> {
                go.await();
                for (String key : keys) {
                    RouteDecision decision = router.route(user(key));
                    served.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(decision.variant());
                    if (decision.reason() == RouteDecision.Reason.NEWLY_ASSIGNED) {
                        written.increment();
                    }
                }
                fallbacks.add(router.fallbackCount());
                return null;
            }));
        }
        go.countDown();
        for (Future<?> worker : workers) {
            worker.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();

        List<Map<String, AttributeValue>> items = DYNAMO.client().scanPaginator(b -> b.tableName("assignments"))
                .items().stream().filter(i -> i.get("pk").s().startsWith(function + "#")).toList();
        assertThat(fallbacks.sum()).isZero();
        assertThat(items).hasSize(2_000);
        assertThat(written.sum()).isEqualTo(2_000);
        assertThat(served).hasSize(2_000).allSatisfy((key, variants) -> assertThat(variants).hasSize(1));
        Map<String, String> stored = items.stream().collect(Collectors.toMap(i -> i.get("stickyKey").s(), i -> i.get("variant").s()));
        assertThat(served).allSatisfy((key, variants) ->
                assertThat(variants.iterator().next().label()).isEqualTo(stored.get(key)));
        assertThat(stored.values()).contains("canary", "control");
    }

    @Test
    void afterARollbackMidTrafficNoRequestReachesTheCanaryOnceTheStateCacheExpires() throws Exception {
        String function = "rag-rollback";
        RolloutRequest plan = plan(function);
        InMemoryLambdaAliases lambda = new InMemoryLambdaAliases().publish("us-east-1", function, "41", "42")
                .alias("us-east-1", function, "live", "41");
        WeightShifter shifter = new WeightShifter(lambda, lambda, rollouts,
                new DynamoDbLedger(DYNAMO.client(), "rollouts"), CachePurger.NONE, clock);
        shifter.start(plan, null, Step.first("start"));
        shifter.shift(plan, "fifty", null, Step.first("shift"));

        AtomicInteger phase = new AtomicInteger(0); // 0 before rollback, 1 rolled back, 2 state cache expired
        AtomicBoolean stop = new AtomicBoolean();
        Map<Integer, LongAdder> canaryByPhase = Map.of(0, new LongAdder(), 1, new LongAdder(), 2, new LongAdder());
        Map<Integer, LongAdder> requestsByPhase = Map.of(0, new LongAdder(), 1, new LongAdder(), 2, new LongAdder());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            StickyRouter router = router(function);
            workers.add(pool.submit(() -> {
                while (!stop.get()) {
                    int observed = phase.get();
                    RouteDecision decision = router.route(user("user-" + ThreadLocalRandom.current().nextInt(300)));
                    requestsByPhase.get(observed).increment();
                    if (decision.variant() == Variant.CANARY) {
                        canaryByPhase.get(observed).increment();
                    }
                }
                return null;
            }));
        }
        awaitRequests(requestsByPhase.get(0), 300);
        shifter.rollback(plan, "gate: error rate ratio 1.9 > 1.2", Step.first("rollback"));
        phase.set(1);
        awaitRequests(requestsByPhase.get(1), 100);
        clock.advance(STATE_CACHE);
        phase.set(2);
        awaitRequests(requestsByPhase.get(2), 600);
        stop.set(true);
        for (Future<?> worker : workers) {
            worker.get(1, TimeUnit.MINUTES);
        }
        pool.shutdown();

        assertThat(canaryByPhase.get(0).sum()).as("canary requests before the rollback").isPositive();
        assertThat(canaryByPhase.get(2).sum()).as("canary requests after the state cache expired").isZero();
        assertThat(lambda.read("us-east-1", function, "live").additionalVersionWeights()).isEmpty();
        assertThat(rollouts.read(function, "live").orElseThrow().epoch()).isEqualTo(2);
    }

    private static void awaitRequests(LongAdder counter, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (counter.sum() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(counter.sum()).as("requests routed in this phase").isGreaterThanOrEqualTo(atLeast);
    }
}
