package dev.ragcanary.bench;

import dev.ragcanary.core.bucket.StickyBucket;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Cost of one sticky bucketing decision (SHA-256 over salt:key), the router's per-request hashing work. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BucketingBenchmark {
    private int next;

    @Benchmark
    public boolean bucketAndDecide() {
        String key = "tenant-" + (next++ & 0xFFFF);
        return StickyBucket.isCanary(StickyBucket.bucket("rag-answer-live-v42", key), 0.05);
    }
}
