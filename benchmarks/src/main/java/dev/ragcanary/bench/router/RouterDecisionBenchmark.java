package dev.ragcanary.bench.router;

import dev.ragcanary.adapters.dynamodb.DynamoDbAssignmentStore;
import dev.ragcanary.core.ports.AssignmentStore;
import dev.ragcanary.core.traffic.Assignment;
import dev.ragcanary.core.traffic.RouteDecision;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.core.traffic.StickyRouter;
import dev.ragcanary.testsupport.Dynalite;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One routing decision for a keyed request whose assignment already exists: from memory (the router's own work:
 * cached state, validity check, bucketing) and with the DynamoDB GetItem it costs in production (against dynalite
 * on loopback, so the network part is a lower bound).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouterDecisionBenchmark {
    private static final int USERS = 2_000;

    private Dynalite dynalite;
    private StickyRouter inMemory;
    private StickyRouter onDynamoDb;
    private RouteRequest[] requests;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        requests = BenchRollouts.requests(USERS);
        inMemory = new StickyRouter(BenchRollouts.SETTINGS, BenchRollouts.fixed(BenchRollouts.active()),
                new MapAssignments(), Clock.systemUTC(), () -> 1);
        dynalite = Dynalite.start();
        dynalite.createAssignmentsTable("assignments");
        onDynamoDb = new StickyRouter(BenchRollouts.SETTINGS, BenchRollouts.fixed(BenchRollouts.active()),
                new DynamoDbAssignmentStore(dynalite.client(), "assignments"), Clock.systemUTC(), () -> 1);
        for (RouteRequest request : requests) { // every key assigned before measuring
            inMemory.route(request);
            onDynamoDb.route(request);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dynalite.close();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public RouteDecision cachedAssignment() {
        return inMemory.route(requests[next++ % USERS]);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public RouteDecision dynamoDbRoundTrip() {
        return onDynamoDb.route(requests[next++ % USERS]);
    }

    /** Assignments in a map: what a decision costs when the store answers instantly. */
    private static final class MapAssignments implements AssignmentStore {
        private final Map<String, Assignment> items = new ConcurrentHashMap<>();

        @Override
        public Optional<Assignment> get(String functionName, String alias, String stickyKey) {
            return Optional.ofNullable(items.get(stickyKey));
        }

        @Override
        public Claim claim(String functionName, String alias, Assignment candidate, Instant now) {
            Assignment existing = items.putIfAbsent(candidate.stickyKey(), candidate);
            return existing == null ? new Claim(candidate, true) : new Claim(existing, false);
        }
    }
}
