package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.core.ports.TransientFailureException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The weight shifter under the races a review reproduced: a late shift against the cleanup of a stopped execution, a
 * stop after the promotion, a rollback that must free the lock, two ledger writers.
 */
class WeightShifterRacesTest {
    private static final String OWNER = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:first";
    private final RolloutRequest plan = Plans.twoRegions();
    private final FakeAliasControl aliases = new FakeAliasControl()
            .alias("us-east-1", "41", Map.of())
            .alias("eu-west-1", "41", Map.of());
    private final FakeFunctionVersions published = new FakeFunctionVersions()
            .publish("us-east-1", "41", "42", "43").publish("eu-west-1", "41", "42", "43");
    private final InMemoryRolloutStore store = new InMemoryRolloutStore();
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final WeightShifter shifter = new WeightShifter(aliases, published, store,
            ledger, CachePurger.NONE, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    private static final Instant PURGE_DEADLINE = Instant.parse("2026-01-01T00:00:20Z");
    private int steps;

    private Step step() {
        return Step.first("race-request-" + (++steps));
    }

    /** The cleanup of the owner's stopped execution runs, once, just before the next UpdateAlias takes effect. */
    private void cleanUpBeforeTheNextAliasWrite() {
        AtomicBoolean cleanedUp = new AtomicBoolean();
        aliases.beforeUpdate = () -> {
            if (cleanedUp.compareAndSet(false, true)) {
                shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution ABORTED", step(), PURGE_DEADLINE, () -> { });
            }
        };
    }

    @Test
    void aShiftStillInFlightWhenTheCleanupRollsBackLeavesTheCanaryAtWeightZero() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        cleanUpBeforeTheNextAliasWrite();

        try {
            shifter.shift(plan, "five", OWNER, step());
        } catch (RuntimeException fenced) {
            // Refusing the late shift is right; what matters is where the alias ends.
        }

        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isIn(RolloutStatus.ROLLED_BACK,
                RolloutStatus.RELEASED);
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).as("canary weight after the rollback").isEmpty();
    }

    @Test
    void aStopAfterThePromotionDoesNotUndoIt() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        shifter.promote(plan, OWNER, step());

        shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution ABORTED during Archive the probe results", step(), PURGE_DEADLINE, () -> { });

        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
        assertThat(aliases.in("eu-west-1").functionVersion()).isEqualTo("42");
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type).doesNotContain(Type.ROLLED_BACK);
    }

    @Test
    void aPromotionStillInFlightWhenTheCleanupRollsBackPutsTheAliasBackOnTheControl() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "fifty", OWNER, step());
        cleanUpBeforeTheNextAliasWrite();

        assertThatThrownBy(() -> shifter.promote(plan, OWNER, step())).isInstanceOf(RolloutFencedException.class)
                .hasMessageContaining("now epoch 2 RELEASED").hasMessageContaining("canary weight is back at 0");

        for (String region : plan.regions()) {
            assertThat(aliases.in(region).functionVersion()).isEqualTo("41");
            assertThat(aliases.in(region).additionalVersionWeights()).isEmpty();
        }
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.ROLLED_BACK, Type.RELEASED);
    }

    @Test
    void aPromotionWhoseCommitReplyWasLostStandsAndItsRetryFinishesIt() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "fifty", OWNER, step());
        Step promote = step();
        store.lostReply = new IllegalStateException("Read timed out (the write took effect)");

        assertThatThrownBy(() -> shifter.promote(plan, OWNER, promote)).hasMessageContaining("Read timed out");
        RolloutState retried = shifter.promote(plan, OWNER, new Step(promote.token(), 2));

        assertThat(retried.status()).isEqualTo(RolloutStatus.PROMOTED);
        for (String region : plan.regions()) {
            assertThat(aliases.in(region).functionVersion()).as(region).isEqualTo("42");
        }
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.PROMOTED);
    }

    @Test
    void theStopAfterThePromotionIsRecordedAndTheLockReleased() {
        shifter.start(plan, OWNER, step());
        shifter.promote(plan, OWNER, step());

        RolloutState after = shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution ABORTED", step(), PURGE_DEADLINE, () -> { });

        assertThat(after.status()).isEqualTo(RolloutStatus.RELEASED);
        List<LedgerEntry> entries = ledger.entries(plan.rolloutId());
        assertThat(entries).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.PROMOTED, Type.INCOMPLETE, Type.RELEASED);
        assertThat(entries.get(2).reason()).contains("execution ABORTED after the promotion; the promotion stands");
    }

    @Test
    void aSucceededExecutionThatCouldNotReleaseItsLockHasItReleasedAndNeverRollsAnythingBack() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        RolloutState active = shifter.finishAfterSucceededExecution(plan, OWNER, "execution SUCCEEDED", step());
        assertThat(active.status()).as("an ACTIVE rollout is never touched by a success").isEqualTo(RolloutStatus.ACTIVE);
        shifter.promote(plan, OWNER, step());

        RolloutState after = shifter.finishAfterSucceededExecution(plan, OWNER, "execution SUCCEEDED", step());
        RolloutState again = shifter.finishAfterSucceededExecution(plan, OWNER, "execution SUCCEEDED", step());

        assertThat(after.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(again).isEqualTo(after);
        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type).containsExactly(
                Type.STARTED, Type.WEIGHT_SET, Type.PROMOTED, Type.INCOMPLETE, Type.RELEASED);
    }

    @Test
    void aRegionStillRoutingToTheCanaryKeepsTheLockAndTheLedgerSaysSo() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "ten", OWNER, step());
        aliases.updateFailures.add(new IllegalStateException("AccessDeniedException: not authorized"));
        assertThatThrownBy(() -> shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution TIMED_OUT", step(), PURGE_DEADLINE, () -> { }))
                .hasMessageContaining("could not be reset in [us-east-1]");

        aliases.updateFailures.add(new IllegalStateException("AccessDeniedException: still not authorized"));
        assertThatThrownBy(() -> shifter.release(plan, "operator", step()))
                .isInstanceOf(LockKeptException.class)
                .hasMessageContaining("us-east-1 routes version 41 + {42=0.1}")
                .hasMessageContaining("./canary release rag-answer-live-v42");
        RolloutState state = store.read("rag-answer", "live").orElseThrow();
        assertThat(state.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(state.lastEntry().type()).isEqualTo(Type.INCOMPLETE);
        assertThat(state.lockKept()).isTrue();

        shifter.rollback(plan, "retried", step());
        RolloutState released = shifter.release(plan, "operator", step());
        assertThat(released.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(released.lockKept()).isFalse();
    }

    @Test
    void theLockIsReleasedOnlyOnceNoShiftThatReadTheRolloutActiveCanStillRunAndAfterTakingBackWhatOneRaised() {
        StickyRouterTest.MutableClock clock = new StickyRouterTest.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        WeightShifter guarded = new WeightShifter(aliases, published, store, ledger, CachePurger.NONE, clock,
                Duration.ofSeconds(45));
        guarded.start(plan, OWNER, step());
        guarded.shift(plan, "ten", OWNER, step());
        guarded.rollback(plan, "gate said ROLLBACK", step());
        // A promotion that read ACTIVE before the rollback pointed us-east-1 at the canary and was killed before its
        // fence; meanwhile an operator pointed eu-west-1 at an older version by hand.
        aliases.alias("us-east-1", "42", Map.of());
        aliases.alias("eu-west-1", "40", Map.of());
        List<LedgerEntry> rolledBack = ledger.entries(plan.rolloutId());

        clock.advance(Duration.ofSeconds(44));
        assertThatThrownBy(() -> guarded.release(plan, "after rollback", step()))
                .isInstanceOf(LateRaiseWindowException.class).isInstanceOf(TransientFailureException.class)
                .hasMessageContaining("rolled back less than 45 s ago");
        assertThat(aliases.in("us-east-1").functionVersion()).as("nothing changes inside the window").isEqualTo("42");
        assertThat(ledger.entries(plan.rolloutId())).isEqualTo(rolledBack);
        clock.advance(Duration.ofSeconds(1));
        RolloutState released = guarded.release(plan, "after rollback", step());

        assertThat(released.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("41");
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEmpty();
        assertThat(aliases.in("eu-west-1").functionVersion()).as("release takes out the canary, nothing else")
                .isEqualTo("40");
    }

    @Test
    void aRollbackThatCannotResetARegionFlagsTheLock() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        aliases.updateFailures.add(new IllegalStateException("AccessDeniedException: not authorized"));

        assertThatThrownBy(() -> shifter.rollback(plan, "gate", step())).hasMessageContaining("could not be reset");

        RolloutState state = store.read("rag-answer", "live").orElseThrow();
        assertThat(state.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(state.lockKept()).isTrue();
    }

    @Test
    void theCleanupOfAStoppedExecutionFreesTheLockForTheNextRollout() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());

        shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution ABORTED", step(), PURGE_DEADLINE, () -> { });

        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(shifter.start(Plans.other(), "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:v43", step())
                .rolloutId()).isEqualTo("rag-answer-live-v43");
    }

    @Test
    void aVerdictNoteRacingTheRollbackLosesNoEntry() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        LedgerNotes notes = new LedgerNotes(store, ledger, Clock.systemUTC());
        // The gate's verdict commits between the rollback's read and its write: both want sequence 3.
        store.beforeUpdate = () -> notes.record(plan, Type.VERDICT, "PROMOTE at stage one", null, step());

        shifter.rollback(plan, "gate said ROLLBACK", step());

        List<LedgerEntry> entries = ledger.entries(plan.rolloutId());
        assertThat(entries).extracting(LedgerEntry::sequence).containsExactly(1L, 2L, 3L, 4L);
        assertThat(entries).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.VERDICT, Type.ROLLED_BACK);
        assertThat(store.read("rag-answer", "live").orElseThrow().ledgerSequence()).isEqualTo(4);
    }

    @Test
    void aRetriedNoteWritesNothingEvenAfterAnotherEntryFollowedIt() {
        shifter.start(plan, OWNER, step());
        Step look = step();
        shifter.record(plan, Type.VERDICT, "PROMOTE at stage one", null, look);
        shifter.record(plan, Type.APPROVAL, "approved by alice", null, step());

        shifter.record(plan, Type.VERDICT, "PROMOTE at stage one", null, new Step(look.token(), 2));

        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.VERDICT, Type.APPROVAL);
    }

    @Test
    void aCommitWhoseReplyWasLostIsFoundByItsRetry() {
        shifter.start(plan, OWNER, step());
        Step shift = step();
        store.beforeUpdate = () -> { };
        RolloutState first = shifter.shift(plan, "one", OWNER, shift);
        ledger.forget(first.ledgerSequence()); // as if the copy to the ledger never happened

        RolloutState retried = shifter.shift(plan, "one", OWNER, new Step(shift.token(), 2));

        assertThat(retried.revision()).isEqualTo(first.revision());
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET);
    }

    @Test
    void theSameFunctionSpelledAsAnArnCannotStartASecondRolloutOnTheAlias() {
        shifter.start(plan, OWNER, step());
        RolloutRequest arnSpelled = Plans.otherAsArn();

        assertThatThrownBy(() -> shifter.start(arnSpelled, "arn:aws:states:us-east-1:123456789012:execution:x:y", step()))
                .isInstanceOf(RolloutStore.RolloutLockedException.class);
    }
}
