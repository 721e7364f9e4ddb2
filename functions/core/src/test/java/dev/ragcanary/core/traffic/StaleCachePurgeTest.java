package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.CachePurger.PurgePage;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache a rollout's end makes stale is purged in bounded, resumable pages that never undo the end. */
class StaleCachePurgeTest {
    private static final String OWNER = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:first";
    private static final Instant DEADLINE = Instant.parse("2026-01-01T00:00:20Z");

    private final RolloutRequest plan = Plans.twoRegions();
    private final FakeAliasControl aliases = new FakeAliasControl()
            .alias("us-east-1", "41", Map.of())
            .alias("eu-west-1", "41", Map.of());
    private final InMemoryRolloutStore store = new InMemoryRolloutStore();
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final PagedCache cache = new PagedCache(2);
    private int steps;

    private WeightShifter shifter(CachePurger purger) {
        return new WeightShifter(aliases, new FakeFunctionVersions().publish("us-east-1", "41", "42")
                .publish("eu-west-1", "41", "42"), store, ledger, purger,
                Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
    }

    private Step step() {
        return Step.first("purge-request-" + (++steps));
    }

    @Test
    void nothingIsStaleWhileTheRolloutRuns() {
        WeightShifter shifter = shifter(cache);
        cache.put("v1:a", "v2-cnr:a");
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "ten", OWNER, step());

        WeightShifter.StaleCachePurge purge = shifter.purgeStaleCache(plan, null, null, DEADLINE);

        assertThat(purge.prefix()).isNull();
        assertThat(purge.page().complete()).isTrue();
        assertThat(cache.keys).containsExactly("v1:a", "v2-cnr:a");
    }

    @Test
    void afterAPromotionTheControlsCacheIsPurgedPageByPageFromWhereEachPageStoppedEvenIfTheLockIsReleasedMeanwhile() {
        WeightShifter shifter = shifter(cache);
        cache.put("v1:a", "v1:b", "v1:c", "v1:d", "v1:e", "v2-cnr:a");
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "fifty", OWNER, step());
        shifter.promote(plan, OWNER, step());

        List<PurgePage> pages = new ArrayList<>();
        String prefix = null;
        String resumeAfter = null;
        do {
            WeightShifter.StaleCachePurge purge = shifter.purgeStaleCache(plan, prefix, resumeAfter, DEADLINE);
            pages.add(purge.page());
            prefix = purge.prefix();
            resumeAfter = purge.page().resumeAfter();
            if (pages.size() == 1) {
                shifter.release(plan, "an operator's release between two pages", step());
            }
        } while (resumeAfter != null);

        assertThat(pages).extracting(PurgePage::removed).containsExactly(2L, 2L, 1L);
        assertThat(cache.keys).containsExactly("v2-cnr:a");
        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isEqualTo(RolloutStatus.RELEASED);
    }

    @Test
    void aPurgeThatGivesUpIsRecordedOnceAndNeverUndoesThePromotion() {
        WeightShifter shifter = shifter((prefix, resumeAfter, deadline) -> {
            throw new IllegalStateException("cache table unreachable");
        });
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "fifty", OWNER, step());
        shifter.promote(plan, OWNER, step());
        assertThatThrownBy(() -> shifter.purgeStaleCache(plan, null, null, DEADLINE)).hasMessage("cache table unreachable");

        Step recording = step();
        shifter.recordUnfinishedPurge(plan, null, "States.TaskFailed: cache table unreachable", recording);
        RolloutState after = shifter.recordUnfinishedPurge(plan, "v1:", "States.TaskFailed: cache table unreachable",
                recording);

        assertThat(after.status()).isEqualTo(RolloutStatus.PROMOTED);
        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.PROMOTED, Type.INCOMPLETE);
        assertThat(ledger.entries(plan.rolloutId()).get(3).reason()).isEqualTo("promoted, but the cache prefix v1:"
                + " could not be purged: States.TaskFailed: cache table unreachable; delete its entries before they"
                + " are served again");
    }

    @Test
    void theCleanupOfAStoppedExecutionPurgesOnePageRecordsWhatIsLeftAndStillReleases() {
        WeightShifter shifter = shifter(cache);
        cache.put("v2-cnr:a", "v2-cnr:b", "v2-cnr:c", "v1:a");
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "ten", OWNER, step());

        AtomicInteger unfinished = new AtomicInteger();

        RolloutState after = shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution ABORTED", step(), DEADLINE,
                unfinished::incrementAndGet);

        assertThat(after.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(unfinished).as("the alarm's metric").hasValue(1);
        assertThat(cache.keys).containsExactly("v1:a", "v2-cnr:c");
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type).containsExactly(Type.STARTED,
                Type.WEIGHT_SET, Type.ROLLED_BACK, Type.INCOMPLETE, Type.RELEASED);
        assertThat(ledger.entries(plan.rolloutId()).get(3).reason()).startsWith("rolled back, but the cache prefix"
                + " v2-cnr: could not be purged: the execution ended before the purge did");
    }

    @Test
    void aCleanupWhosePurgeFailsStillRollsBackAndReleases() {
        WeightShifter shifter = shifter((prefix, resumeAfter, deadline) -> {
            throw new IllegalStateException("AccessDeniedException: dynamodb:Scan");
        });
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "ten", OWNER, step());

        AtomicInteger unfinished = new AtomicInteger();

        RolloutState after = shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution FAILED", step(), DEADLINE,
                unfinished::incrementAndGet);

        assertThat(after.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(unfinished).hasValue(1);
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEmpty();
        assertThat(ledger.entries(plan.rolloutId()).get(3).reason()).contains("AccessDeniedException: dynamodb:Scan");
    }

    /** A cache that removes at most {@code pageSize} entries per call, resuming after the last key it removed. */
    private static final class PagedCache implements CachePurger {
        private final int pageSize;
        final TreeSet<String> keys = new TreeSet<>();

        PagedCache(int pageSize) {
            this.pageSize = pageSize;
        }

        void put(String... entries) {
            keys.addAll(List.of(entries));
        }

        @Override
        public PurgePage purge(String prefix, String resumeAfter, Instant deadline) {
            List<String> page = keys.tailSet(resumeAfter == null ? prefix : resumeAfter, false).stream()
                    .filter(key -> key.startsWith(prefix)).limit(pageSize).toList();
            page.forEach(keys::remove);
            boolean more = keys.stream().anyMatch(key -> key.startsWith(prefix));
            return new PurgePage(page.size(), more ? page.get(page.size() - 1) : null);
        }
    }
}
