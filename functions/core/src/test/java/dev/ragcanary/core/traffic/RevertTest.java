package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.ports.CachePurger.PurgePage;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import dev.ragcanary.core.traffic.WeightShifter.RevertRefusedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code ./canary revert}: a released promotion undone with one alias change per region, or refused untouched. */
class RevertTest {
    private static final String OWNER = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:first";
    private static final Duration WINDOW = Duration.ofDays(7);

    private final RolloutRequest plan = Plans.twoRegions();
    private final FakeAliasControl aliases = new FakeAliasControl()
            .alias("us-east-1", "41", Map.of())
            .alias("eu-west-1", "41", Map.of());
    private final FakeFunctionVersions published = new FakeFunctionVersions()
            .publish("us-east-1", "41", "42").publish("eu-west-1", "41", "42");
    private final InMemoryRolloutStore store = new InMemoryRolloutStore();
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final List<String> purged = new ArrayList<>();
    private final StickyRouterTest.MutableClock clock =
            new StickyRouterTest.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final WeightShifter shifter = new WeightShifter(aliases, published, store,
            ledger, (prefix, resumeAfter, deadline) -> {
                purged.add(prefix);
                return new PurgePage(1, null);
            }, clock, Duration.ofSeconds(45));
    private int steps;

    private Step step() {
        return Step.first("revert-test-" + (++steps));
    }

    @BeforeEach
    void promotedAndReleased() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "fifty", OWNER, step());
        shifter.promote(plan, OWNER, step());
        shifter.release(plan, "promoted", step());
        purged.clear();
    }

    @Test
    void aRevertRightAfterThePromotionWaitsUntilNoPromotionThatLostItsReplyCanStillRun() {
        List<LedgerEntry> before = ledger.entries(plan.rolloutId());

        assertThatThrownBy(() -> shifter.revert(plan, "r", WINDOW, step())).isInstanceOf(RevertRefusedException.class)
                .hasMessageContaining("promoted less than 45 s ago; run the revert again from");
        assertThat(ledger.entries(plan.rolloutId())).isEqualTo(before);

        clock.advance(Duration.ofSeconds(45));
        assertThat(shifter.revert(plan, "r", WINDOW, step()).status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("41");
    }

    @Test
    void theAliasGoesBackOnThePreviousVersionEverywhereTheEpochMovesBothPrefixesArePurgedAndTheLockIsFreedAgain() {
        clock.advance(Duration.ofHours(3));
        long epoch = store.read("rag-answer", "live").orElseThrow().epoch();

        RolloutState after = shifter.revert(plan, "operator revert by ana: answers cite the wrong runbook", WINDOW, step());

        for (String region : List.of("us-east-1", "eu-west-1")) {
            assertThat(aliases.in(region).functionVersion()).isEqualTo("41");
            assertThat(aliases.in(region).additionalVersionWeights()).isEmpty();
        }
        assertThat(after.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(after.epoch()).isEqualTo(epoch + 1);
        assertThat(purged).containsExactly("v2-cnr:", "v1:");
        List<LedgerEntry> entries = ledger.entries(plan.rolloutId());
        assertThat(entries).extracting(LedgerEntry::type).endsWith(Type.PROMOTED, Type.RELEASED, Type.REVERTED,
                Type.RELEASED);
        assertThat(entries.get(entries.size() - 2).reason()).isEqualTo("alias back on version 41 (was 42): operator"
                + " revert by ana: answers cite the wrong runbook");
    }

    @Test
    void aRetriedRevertFinishesWhatTheFirstStartedAndWritesNothingTwice() {
        clock.advance(Duration.ofHours(3));
        Step revert = step();
        aliases.updateFailures.add(new IllegalStateException("AccessDeniedException: lambda:UpdateAlias"));
        assertThatThrownBy(() -> shifter.revert(plan, "wrong runbook", WINDOW, revert))
                .isInstanceOf(LockKeptException.class).hasMessageContaining("run the revert again");
        assertThat(store.read("rag-answer", "live").orElseThrow().status()).as("the lock is held meanwhile")
                .isEqualTo(RolloutStatus.ROLLED_BACK);

        shifter.revert(plan, "wrong runbook", WINDOW, revert);
        shifter.revert(plan, "wrong runbook", WINDOW, revert);

        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("41");
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .filteredOn(type -> type == Type.REVERTED).hasSize(1);
        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isEqualTo(RolloutStatus.RELEASED);
    }

    @Test
    void refusedWithNothingChangedWhenThePreviousVersionIsGoneOrAnAliasMovedOrThePromotionIsTooOld() {
        clock.advance(Duration.ofHours(3));
        List<LedgerEntry> before = ledger.entries(plan.rolloutId());

        published.remove("us-east-1", "41").remove("eu-west-1", "41");
        assertThatThrownBy(() -> shifter.revert(plan, "r", WINDOW, step())).isInstanceOf(RevertRefusedException.class)
                .hasMessageContaining("us-east-1: version 41 no longer exists")
                .hasMessageContaining("eu-west-1: version 41 no longer exists");
        published.publish("us-east-1", "41").publish("eu-west-1", "41");

        aliases.alias("eu-west-1", "42", Map.of("43", 0.1));
        assertThatThrownBy(() -> shifter.revert(plan, "r", WINDOW, step()))
                .hasMessageContaining("eu-west-1: the alias routes version 42 + {43=0.1}, not the promoted version 42");
        aliases.alias("eu-west-1", "42", Map.of());

        clock.advance(Duration.ofDays(7));
        assertThatThrownBy(() -> shifter.revert(plan, "r", WINDOW, step()))
                .hasMessageContaining("more than 168 h ago (the revert window)");

        assertThat(ledger.entries(plan.rolloutId())).isEqualTo(before);
        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
        assertThat(purged).isEmpty();
    }

    @Test
    void refusedWhenAnotherRolloutHasTakenTheAliasSince() {
        clock.advance(Duration.ofHours(3));
        RolloutRequest next = Plans.other();
        published.publish("us-east-1", "43").publish("eu-west-1", "43");
        shifter.start(next, "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:v43", step());

        assertThatThrownBy(() -> shifter.revert(plan, "r", WINDOW, step())).hasMessageContaining(next.rolloutId());
        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
    }

    @Test
    void aStartThatReadTheReleasedStateBeforeARevertRecordsTheRevertedVersionAsItsControl() {
        clock.advance(Duration.ofHours(3));
        RolloutRequest next = Plans.other();
        published.publish("us-east-1", "43").publish("eu-west-1", "43");
        String nextOwner = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:v43";
        store.beforeAcquire = () -> shifter.revert(plan, "wrong runbook", WINDOW, step());

        assertThatThrownBy(() -> shifter.start(next, nextOwner, step()))
                .isInstanceOf(RolloutStore.ConcurrentUpdateException.class);
        RolloutState started = shifter.start(next, nextOwner, step());

        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("41");
        assertThat(started.controlVersionIn("us-east-1")).as("the version the alias serves after the revert")
                .isEqualTo("41");
    }

    @Test
    void theExecutionThatPromotedRevertsWhileItHoldsTheLockAndARetryWritesNothingTwice() {
        RolloutRequest next = Plans.other();
        published.publish("us-east-1", "43").publish("eu-west-1", "43");
        shifter.start(next, OWNER, step());
        shifter.shift(next, "fifty", OWNER, step());
        shifter.promote(next, OWNER, step());
        long epoch = store.read("rag-answer", "live").orElseThrow().epoch();
        assertThatThrownBy(() -> shifter.revertPromotion(next, "arn:aws:states:us-east-1:123456789012:execution:x:y",
                "bake failed", step())).isInstanceOf(RevertRefusedException.class).hasMessageContaining("driven by");

        Step revert = step();
        RolloutState reverted = shifter.revertPromotion(next, OWNER, "Rollout.Reverted: live.errors.rate.ratio", revert);
        shifter.revertPromotion(next, OWNER, "Rollout.Reverted: live.errors.rate.ratio", revert);

        assertThat(reverted.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(reverted.epoch()).isEqualTo(epoch + 1);
        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
        assertThat(aliases.in("eu-west-1").functionVersion()).isEqualTo("42");
        assertThat(ledger.entries(next.rolloutId())).extracting(LedgerEntry::type).filteredOn(t -> t == Type.REVERTED)
                .hasSize(1);
        assertThat(shifter.purgeStaleCache(next, null, null, Instant.parse("2026-01-01T04:00:00Z")).prefix())
                .as("the promoted version's cache").isEqualTo("v3-cnr:");
    }
}
