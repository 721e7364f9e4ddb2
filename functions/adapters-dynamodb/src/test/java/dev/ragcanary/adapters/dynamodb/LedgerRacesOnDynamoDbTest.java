package dev.ragcanary.adapters.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.core.traffic.LedgerNotes;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.core.traffic.WeightShifter;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.InMemoryLambdaAliases;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many writers committing to one rollout's ledger at once, on dynalite's real conditional writes: every entry lands
 * at its own sequence with no gap, a retried request (same client token) writes nothing, and the state item's last
 * entry is the ledger's last.
 */
class LedgerRacesOnDynamoDbTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable("rollouts"));

    private static final int WRITERS = 8;
    private static final int NOTES_EACH = 5;

    private final DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
    private final DynamoDbLedger ledger = new DynamoDbLedger(DYNAMO.client(), "rollouts");
    private final LedgerNotes notes = new LedgerNotes(store, ledger, Clock.systemUTC());

    @Test
    void concurrentNotesAndTheirRetriesGiveOneContiguousLedger() throws Exception {
        RolloutRequest plan = RolloutRequestParser.parse("""
                {"rolloutId": "races-v42", "target": {"functionName": "races", "alias": "live", "canaryVersion": "42"},
                 "sticky": {"keyAttribute": "x-user"},
                 "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
                 "cachePrefixes": {"control": "v1:", "canary": "v2-cnr:"}, "probeSet": "probes.json",
                 "regions": ["us-east-1"]}
                """);
        InMemoryLambdaAliases lambda = new InMemoryLambdaAliases().publish("us-east-1", "races", "41", "42")
                .alias("us-east-1", "races", "live", "41");
        new WeightShifter(lambda, lambda, store, ledger, CachePurger.NONE, Clock.systemUTC())
                .start(plan, null, Step.first("start"));

        writeConcurrently(plan, 1);
        writeConcurrently(plan, 2); // every request retried: nothing new may be written

        List<LedgerEntry> entries = ledger.entries(plan.rolloutId());
        long expected = 1 + (long) WRITERS * NOTES_EACH;
        assertThat(entries).extracting(LedgerEntry::sequence).containsExactlyElementsOf(
                LongStream.rangeClosed(1, expected).boxed().toList());
        assertThat(entries.stream().map(LedgerEntry::token).distinct().count()).isEqualTo(expected);
        assertThat(entries).filteredOn(e -> e.type() == Type.VERDICT).extracting(LedgerEntry::attempt).containsOnly(1);
        RolloutState state = store.read("races", "live").orElseThrow();
        assertThat(state.ledgerSequence()).isEqualTo(expected);
        assertThat(state.lastEntry()).isEqualTo(entries.get(entries.size() - 1));
    }

    /** Each writer records its notes; a lost conflict is what its retry owner would retry, so it retries. */
    private void writeConcurrently(RolloutRequest plan, int attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> done = new ArrayList<>();
        for (int writer = 0; writer < WRITERS; writer++) {
            int w = writer;
            done.add(pool.submit(() -> {
                for (int n = 0; n < NOTES_EACH; n++) {
                    Step step = new Step("writer-" + w + "/note-" + n, attempt);
                    while (true) {
                        try {
                            notes.record(plan, Type.VERDICT, "look " + n + " of writer " + w, null, step);
                            break;
                        } catch (RolloutStore.ConcurrentUpdateException contended) {
                            Thread.onSpinWait();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
    }
}
