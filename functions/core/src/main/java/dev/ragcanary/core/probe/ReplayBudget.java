package dev.ragcanary.core.probe;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether a replay page may start another call: only while the time left exceeds what a call started now can take
 * plus the finish (summary and the write of the page to the evidence store). On Lambda the time left is the
 * invocation's {@code getRemainingTimeInMillis()}, so a page ends before Lambda's timeout would end it as an error.
 */
public final class ReplayBudget {
    /** Summarising and writing the page's detail (a few megabytes for 2,400 calls) after its last call returns. */
    public static final Duration FINISH_RESERVE = Duration.ofSeconds(15);
    /** No time limit: the whole replay in one page (the command line, benchmarks, tests). */
    public static final ReplayBudget UNLIMITED = new ReplayBudget(() -> Long.MAX_VALUE, Duration.ZERO);

    private final LongSupplier remainingMillis;
    private final Duration reserve;

    private ReplayBudget(LongSupplier remainingMillis, Duration reserve) {
        this.remainingMillis = remainingMillis;
        this.reserve = reserve;
    }

    /** The budget of an invocation with {@code remainingMillis} left, for calls made with {@code options}. */
    public static ReplayBudget ofRemainingTime(LongSupplier remainingMillis, ReplayOptions options) {
        return new ReplayBudget(remainingMillis, reserve(options));
    }

    /** Time kept back from the calls: the longest call and the finish (26.4 s with the default options). */
    public static Duration reserve(ReplayOptions options) {
        return options.longestCall().plus(FINISH_RESERVE);
    }

    public boolean allowsAnotherCall() {
        return remainingMillis.getAsLong() > reserve.toMillis();
    }
}
