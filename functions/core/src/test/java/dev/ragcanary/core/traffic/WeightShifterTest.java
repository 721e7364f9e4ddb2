package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.CachePurger;
import dev.ragcanary.core.ports.FunctionVersions.VersionConfiguration;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry.Type;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightShifterTest {
    private static final String OWNER = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:first";
    private static final String JOINER = "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:retry";
    private static final String OTHER_ROLLOUT_EXECUTION =
            "arn:aws:states:us-east-1:123456789012:execution:rag-canary-rollout:v43";
    private final RolloutRequest plan = Plans.twoRegions();
    private final FakeAliasControl aliases = new FakeAliasControl()
            .alias("us-east-1", "41", Map.of())
            .alias("eu-west-1", "41", Map.of());
    private final FakeFunctionVersions versions = new FakeFunctionVersions()
            .publish("us-east-1", "41", "42", "43").publish("eu-west-1", "41", "42", "43");
    private final InMemoryRolloutStore store = new InMemoryRolloutStore();
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final List<String> purged = new ArrayList<>();
    private final WeightShifter shifter = new WeightShifter(aliases, versions,
            store, ledger, (prefix, resumeAfter, deadline) -> {
                purged.add(prefix);
                return new CachePurger.PurgePage(3, null);
            }, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    private static final Instant PURGE_DEADLINE = Instant.parse("2026-01-01T00:00:20Z");
    private int steps;

    /** A new request: each call is its own client token. */
    private Step step() {
        return Step.first("test-request-" + (++steps));
    }

    @Test
    void startRecordsTheAliasVersionAsControlTakesTheLockAndLeavesTheAliasAlone() {
        RolloutState state = shifter.start(plan, OWNER, step());

        assertThat(state.controlVersion()).isEqualTo("41");
        assertThat(state.canaryVersion()).isEqualTo("42");
        assertThat(state.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(state.epoch()).isEqualTo(1);
        assertThat(store.read("rag-answer", "live")).contains(state);
        assertThat(aliases.updates).isEmpty();
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type).containsExactly(Type.STARTED);
    }

    @Test
    void startingTheSameRolloutAgainJoinsItWithOneLedgerEntry() {
        RolloutState first = shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());

        RolloutState again = shifter.start(plan, JOINER, step());

        assertThat(again.rolloutId()).isEqualTo(first.rolloutId());
        assertThat(again.stage()).isEqualTo("one");
        assertThat(again.ownerExecutionArn()).isEqualTo(OWNER);
        assertThat(again.ownedByAnotherExecutionThan(JOINER)).isTrue();
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET);
    }

    @Test
    void theExecutionThatTakesTheLockIsRecordedAsItsOwnerAndARetriedStartStaysTheOwner() {
        RolloutState first = shifter.start(plan, OWNER, step());
        RolloutState retried = shifter.start(plan, OWNER, step());

        assertThat(first.ownerExecutionArn()).isEqualTo(OWNER);
        assertThat(store.read("rag-answer", "live").orElseThrow().ownerExecutionArn()).isEqualTo(OWNER);
        assertThat(retried.ownedByAnotherExecutionThan(OWNER)).isFalse();
        assertThat(first.summary()).containsEntry("ownerExecutionArn", OWNER);
    }

    @Test
    void theEndOfAnExecutionThatJoinedLeavesTheOwnersRolloutAlone() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        shifter.start(plan, JOINER, step());

        RolloutState after = shifter.cleanUpAfterStoppedExecution(plan, JOINER, "execution ABORTED: " + JOINER, step(), PURGE_DEADLINE, () -> { });

        assertThat(after.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(after.weight()).isEqualTo(0.01);
        assertThat(aliases.read("us-east-1", "rag-answer", "live").additionalVersionWeights()).isEqualTo(Map.of("42", 0.01));
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET);
        assertThat(purged).isEmpty();
    }

    @Test
    void theEndOfTheOwningExecutionRollsTheRolloutBack() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());

        RolloutState after = shifter.cleanUpAfterStoppedExecution(plan, OWNER, "execution ABORTED: " + OWNER, step(), PURGE_DEADLINE, () -> { });

        assertThat(after.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.ROLLED_BACK, Type.RELEASED);
        assertThat(aliases.read("us-east-1", "rag-answer", "live").additionalVersionWeights()).isEmpty();
        assertThat(ledger.entries(plan.rolloutId()).get(2).reason()).isEqualTo("execution ABORTED: " + OWNER);
    }

    @Test
    void withoutARecordedOwnerTheCleanupRollsBackWhicheverExecutionEnded() {
        shifter.start(plan, null, step());
        shifter.shift(plan, "one", OWNER, step());

        RolloutState after = shifter.cleanUpAfterStoppedExecution(plan, JOINER, "execution FAILED: " + JOINER, step(), PURGE_DEADLINE, () -> { });

        assertThat(after.ownerExecutionArn()).isNull();
        assertThat(after.status()).isEqualTo(RolloutStatus.RELEASED);
        assertThat(aliases.read("us-east-1", "rag-answer", "live").additionalVersionWeights()).isEmpty();
    }

    @Test
    void aSecondRolloutOnTheSameAliasIsRefusedNamingTheActiveOne() {
        shifter.start(plan, OWNER, step());

        assertThatThrownBy(() -> shifter.start(Plans.other(), OTHER_ROLLOUT_EXECUTION, step()))
                .isInstanceOf(RolloutStore.RolloutLockedException.class)
                .hasMessageContaining("locked by rollout rag-answer-live-v42");
        assertThat(store.read("rag-answer", "live").orElseThrow().rolloutId()).isEqualTo("rag-answer-live-v42");
    }

    @Test
    void startIsRefusedWhenTheAliasAlreadySplitsTraffic() {
        aliases.alias("eu-west-1", "41", Map.of("40", 0.2));

        assertThatThrownBy(() -> shifter.start(plan, OWNER, step()))
                .hasMessageContaining("eu-west-1 already routes {40=0.2} besides version 41");
        assertThat(store.read("rag-answer", "live")).isEmpty();
    }

    @Test
    void startIsRefusedWhenTheCanaryVersionIsMissing() {
        versions.remove("us-east-1", "42");

        assertThatThrownBy(() -> shifter.start(plan, OWNER, step()))
                .isInstanceOf(PreflightFailedException.class)
                .hasMessageContaining("$.target.canaryVersion: in us-east-1, canary version 42: not found");
        assertThat(store.read("rag-answer", "live")).isEmpty();
    }

    @Test
    void aFailedPreflightNamesEveryProblemInEveryRegionAndChangesNothing() {
        versions.configure("us-east-1", new VersionConfiguration("42", "Pending", "InProgress",
                FakeFunctionVersions.ROLE, null));
        versions.configure("eu-west-1", VersionConfiguration.ready("42", "arn:aws:iam::123456789012:role/other",
                "arn:aws:sqs:eu-west-1:123456789012:rag-answer-dlq"));
        versions.configure("eu-west-1", new VersionConfiguration("41", "Inactive", "Successful",
                FakeFunctionVersions.ROLE, null));

        assertThatThrownBy(() -> shifter.start(plan, OWNER, step()))
                .isInstanceOf(PreflightFailedException.class)
                .hasMessageStartingWith("rollout rag-answer-live-v42 cannot start: nothing was changed")
                .satisfies(e -> assertThat(((PreflightFailedException) e).problems()).extracting(Object::toString)
                        .containsExactly(
                                "$.target.canaryVersion: in us-east-1, canary version 42: State is Pending, expected"
                                        + " Active (Lambda invokes a version only while it is Active)",
                                "$.target.canaryVersion: in us-east-1, canary version 42: LastUpdateStatus is"
                                        + " InProgress, expected Successful",
                                "$.target.alias: in eu-west-1, control version 41 (live points at it): State is"
                                        + " Inactive, expected Active (Lambda invokes a version only while it is"
                                        + " Active)",
                                "$.target.canaryVersion: in eu-west-1, canary version 42: Role is"
                                        + " arn:aws:iam::123456789012:role/other, expected " + FakeFunctionVersions.ROLE
                                        + " as on control version 41 (a weighted alias needs the same execution role"
                                        + " on both versions)",
                                "$.target.canaryVersion: in eu-west-1, canary version 42: DeadLetterConfig.TargetArn"
                                        + " is arn:aws:sqs:eu-west-1:123456789012:rag-answer-dlq, expected none as on"
                                        + " control version 41 (a weighted alias needs the same dead-letter queue on"
                                        + " both versions, or none on either)"));
        assertThat(store.read("rag-answer", "live")).as("no lock").isEmpty();
        assertThat(ledger.entries(plan.rolloutId())).as("no ledger entry").isEmpty();
        assertThat(aliases.updates).as("no alias change").isEmpty();
    }

    @Test
    void anAliasOnLatestIsRefusedBecauseAWeightedAliasNeedsTwoPublishedVersions() {
        aliases.alias("us-east-1", "$LATEST", Map.of());
        versions.configure("us-east-1", VersionConfiguration.ready("$LATEST", FakeFunctionVersions.ROLE, null));

        assertThatThrownBy(() -> shifter.start(plan, OWNER, step()))
                .isInstanceOf(PreflightFailedException.class)
                .hasMessageContaining("$.target.alias: in us-east-1, control version $LATEST (live points at it):"
                        + " Version is $LATEST, expected a published version");
        assertThat(store.read("rag-answer", "live")).isEmpty();
    }

    @Test
    void eachRegionRunsItsOwnCanaryAndControlVersionsFromStartToRollback() {
        RolloutRequest perRegion = Plans.perRegionVersions();
        aliases.alias("eu-west-1", "15", Map.of());
        versions.publish("eu-west-1", "15", "17");

        RolloutState started = shifter.start(perRegion, OWNER, step());
        assertThat(started.controlVersions()).containsExactly(Map.entry("us-east-1", "41"), Map.entry("eu-west-1", "15"));
        assertThat(started.canaryVersions()).containsExactly(Map.entry("us-east-1", "42"), Map.entry("eu-west-1", "17"));

        shifter.shift(perRegion, "ten", OWNER, step());
        assertThat(aliases.in("us-east-1")).extracting(AliasControl.AliasState::functionVersion,
                AliasControl.AliasState::additionalVersionWeights).containsExactly("41", Map.of("42", 0.10));
        assertThat(aliases.in("eu-west-1")).extracting(AliasControl.AliasState::functionVersion,
                AliasControl.AliasState::additionalVersionWeights).containsExactly("15", Map.of("17", 0.10));

        // A late promotion raised eu-west-1 to its canary: the rollback takes it back to that region's control.
        aliases.alias("eu-west-1", "17", Map.of());
        shifter.rollback(perRegion, "gate said ROLLBACK", step());
        assertThat(aliases.in("us-east-1")).extracting(AliasControl.AliasState::functionVersion,
                AliasControl.AliasState::additionalVersionWeights).containsExactly("41", Map.of());
        assertThat(aliases.in("eu-west-1")).extracting(AliasControl.AliasState::functionVersion,
                AliasControl.AliasState::additionalVersionWeights).containsExactly("15", Map.of());
        assertThat(shifter.release(perRegion, "after rollback", step()).status()).isEqualTo(RolloutStatus.RELEASED);
    }

    @Test
    void aPromotionPointsEachRegionAtItsOwnCanary() {
        RolloutRequest perRegion = Plans.perRegionVersions();
        aliases.alias("eu-west-1", "15", Map.of());
        versions.publish("eu-west-1", "15", "17");
        shifter.start(perRegion, OWNER, step());
        shifter.shift(perRegion, "fifty", OWNER, step());

        shifter.promote(perRegion, OWNER, step());

        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
        assertThat(aliases.in("eu-west-1").functionVersion()).isEqualTo("17");
        assertThat(shifter.release(perRegion, "promoted", step()).status()).isEqualTo(RolloutStatus.RELEASED);
    }

    @Test
    void aPromotionEntersThePlansLastStageWhateverItIsCalled() {
        // The bake after the promotion judges the state's stage: it must be a stage of the plan.
        RolloutRequest custom = Plans.customLadder();
        shifter.start(custom, OWNER, step());
        shifter.shift(custom, "half", OWNER, step());

        RolloutState promoted = shifter.promote(custom, OWNER, step());

        assertThat(promoted.stage()).isEqualTo("ga");
        assertThat(custom.stage(promoted.stage())).isPresent();
    }

    @Test
    void belowStageTenOnlyThePilotRegionCarriesWeightThenEveryRegion() {
        shifter.start(plan, OWNER, step());

        RolloutState one = shifter.shift(plan, "one", OWNER, step());
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEqualTo(Map.of("42", 0.01));
        assertThat(aliases.in("eu-west-1").additionalVersionWeights()).isEmpty();
        assertThat(one.regionWeights()).isEqualTo(Map.of("us-east-1", 0.01, "eu-west-1", 0.0));

        RolloutState ten = shifter.shift(plan, "ten", OWNER, step());
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEqualTo(Map.of("42", 0.10));
        assertThat(aliases.in("eu-west-1").additionalVersionWeights()).isEqualTo(Map.of("42", 0.10));
        assertThat(aliases.in("eu-west-1").functionVersion()).isEqualTo("41");
        assertThat(ten.regionWeights()).isEqualTo(Map.of("us-east-1", 0.10, "eu-west-1", 0.10));
    }

    @Test
    void shiftingTwiceLeavesTheSameStateAndOneLedgerEntry() {
        shifter.start(plan, OWNER, step());
        RolloutState first = shifter.shift(plan, "five", OWNER, step());
        int updates = aliases.updates.size();

        RolloutState second = shifter.shift(plan, "five", OWNER, step());

        assertThat(second).isEqualTo(first);
        assertThat(aliases.updates).hasSize(updates);
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET);
    }

    @Test
    void aRaiseThatFindsAStaleRevisionGivesUpInsteadOfWritingAgain() {
        shifter.start(plan, OWNER, step());
        aliases.beforeUpdate = () -> aliases.alias("us-east-1", "41", Map.of()); // another writer: new RevisionId

        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, step()))
                .isInstanceOf(AliasControl.StaleRevisionException.class)
                .hasMessageContaining("changed while it was being raised to version 41 + {42=0.01}")
                .hasMessageContaining("never written over another writer's change");
        assertThat(aliases.updates).isEmpty();
        assertThat(store.read("rag-answer", "live").orElseThrow().stage()).isEqualTo("start");
        assertThat(ledger.entries(plan.rolloutId())).hasSize(1);
    }

    @Test
    void aRaiseWhoseStaleRevisionAlreadyShowsItsTargetSucceeds() {
        shifter.start(plan, OWNER, step());
        int[] calls = {0};
        aliases.beforeUpdate = () -> {
            if (calls[0]++ == 0) {
                aliases.alias("us-east-1", "41", Map.of("42", 0.01)); // the same raise, applied with its reply lost
            }
        };

        RolloutState one = shifter.shift(plan, "one", OWNER, step());

        assertThat(one.weight()).isEqualTo(0.01);
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEqualTo(Map.of("42", 0.01));
    }

    @Test
    void aLoweringThatFindsAStaleRevisionReadsAgainAndWritesAgain() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        int[] calls = {0};
        aliases.beforeUpdate = () -> {
            if (calls[0]++ == 0) {
                aliases.alias("us-east-1", "41", Map.of("42", 0.01));
            }
        };

        shifter.rollback(plan, "gate", step());

        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEmpty();
    }

    @Test
    void throttlingIsLeftToTheRetryOwnerAndTheRetriedShiftCompletesWithOneEntry() {
        shifter.start(plan, OWNER, step());
        aliases.updateFailures.add(new AliasControl.ThrottledException("Rate exceeded"));
        Step shift = step();

        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, shift))
                .isInstanceOf(AliasControl.ThrottledException.class);
        RolloutState retried = shifter.shift(plan, "one", OWNER, new Step(shift.token(), 2));

        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEqualTo(Map.of("42", 0.01));
        assertThat(retried.lastEntry().attempt()).isEqualTo(2);
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET);
    }

    @Test
    void aWeightThatDoesNotReadBackIsAFailure() {
        shifter.start(plan, OWNER, step());
        aliases.ignoreUpdates = true;

        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, step()))
                .hasMessageContaining("was set to version 41 + {42=0.01} but reads back as version 41 with no routing");
        assertThat(store.read("rag-answer", "live").orElseThrow().weight()).isZero();
    }

    @Test
    void rollbackZeroesEveryRegionBumpsTheEpochAndRecordsTheReasonThenTheCanaryPrefixIsTheStaleCache() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "twentyfive", OWNER, step());

        RolloutState rolledBack = shifter.rollback(plan, "p95 warm ratio 1.41 > 1.25", step());

        assertThat(aliases.in("us-east-1")).satisfies(a -> {
            assertThat(a.functionVersion()).isEqualTo("41");
            assertThat(a.additionalVersionWeights()).isEmpty();
        });
        assertThat(aliases.in("eu-west-1").additionalVersionWeights()).isEmpty();
        assertThat(rolledBack.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(rolledBack.epoch()).isEqualTo(2);
        assertThat(rolledBack.weight()).isZero();
        assertThat(rolledBack.regionWeights().values()).containsOnly(0.0);
        assertThat(purged).as("the purge is its own step").isEmpty();
        assertThat(shifter.purgeStaleCache(plan, null, null, PURGE_DEADLINE).prefix()).isEqualTo("v2-cnr:");
        assertThat(purged).containsExactly("v2-cnr:");
        LedgerEntry last = ledger.entries(plan.rolloutId()).get(2);
        assertThat(last.type()).isEqualTo(Type.ROLLED_BACK);
        assertThat(last.reason()).isEqualTo("p95 warm ratio 1.41 > 1.25");
    }

    @Test
    void aRegionThatCannotBeResetDoesNotStopTheRollbackElsewhereAndARetryFinishesIt() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "ten", OWNER, step());
        aliases.updateFailures.add(new AliasControl.ThrottledException("Rate exceeded"));

        assertThatThrownBy(() -> shifter.rollback(plan, "gate", step()))
                .hasMessageContaining("could not be reset in [us-east-1]")
                .hasMessageContaining("run rollback again");
        assertThat(aliases.in("eu-west-1").additionalVersionWeights()).isEmpty();
        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isEqualTo(RolloutStatus.ROLLED_BACK);

        assertThat(store.read("rag-answer", "live").orElseThrow().lockKept()).as("flagged while it cannot finish").isTrue();

        shifter.rollback(plan, "gate", step());
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEmpty();
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.ROLLED_BACK, Type.INCOMPLETE);
    }

    @Test
    void rollingBackTwiceKeepsOneEntryAndOneEpochBump() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        shifter.rollback(plan, "first", step());

        RolloutState again = shifter.rollback(plan, "retried", step());

        assertThat(again.epoch()).isEqualTo(2);
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.ROLLED_BACK);
    }

    @Test
    void rollbackOfARolloutThatNeverStartedClearsItsCanaryWeightButNeverTouchesAnotherRollout() {
        aliases.alias("us-east-1", "41", Map.of("42", 0.05));
        shifter.rollback(plan, "execution failed", step());
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEmpty();

        shifter.start(Plans.other(), OTHER_ROLLOUT_EXECUTION, step());
        shifter.shift(Plans.other(), "one", OTHER_ROLLOUT_EXECUTION, step());
        shifter.rollback(plan, "cleanup of a failed start", step());
        assertThat(aliases.in("us-east-1").additionalVersionWeights()).isEqualTo(Map.of("43", 0.01));
        assertThat(store.read("rag-answer", "live").orElseThrow().status()).isEqualTo(RolloutStatus.ACTIVE);
    }

    @Test
    void promotePointsTheAliasAtTheCanaryClearsRoutingThenTheControlPrefixIsTheStaleCache() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "fifty", OWNER, step());

        RolloutState promoted = shifter.promote(plan, OWNER, step());
        shifter.promote(plan, OWNER, step());

        assertThat(aliases.in("us-east-1").functionVersion()).isEqualTo("42");
        assertThat(aliases.in("eu-west-1").functionVersion()).isEqualTo("42");
        assertThat(aliases.in("eu-west-1").additionalVersionWeights()).isEmpty();
        assertThat(promoted.status()).isEqualTo(RolloutStatus.PROMOTED);
        assertThat(promoted.weight()).isEqualTo(1.0);
        assertThat(purged).as("the purge is its own step").isEmpty();
        assertThat(shifter.purgeStaleCache(plan, null, null, PURGE_DEADLINE).prefix()).isEqualTo("v1:");
        assertThat(purged).containsExactly("v1:");
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.PROMOTED);
    }

    @Test
    void releaseFreesTheLockForTheNextRolloutAndRefusesWhileCanaryWeightIsUp() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        assertThatThrownBy(() -> shifter.release(plan, null, step())).isInstanceOf(CanaryStillRoutedException.class)
                .hasMessageContaining("promote or roll back before releasing");

        shifter.rollback(plan, "gate said so", step());
        shifter.release(plan, null, step());
        shifter.release(plan, null, step());

        assertThat(shifter.start(Plans.other(), OTHER_ROLLOUT_EXECUTION, step()).rolloutId()).isEqualTo("rag-answer-live-v43");
        assertThat(ledger.entries(plan.rolloutId())).extracting(LedgerEntry::type).containsExactly(
                Type.STARTED, Type.WEIGHT_SET, Type.ROLLED_BACK, Type.RELEASED);
    }

    @Test
    void verdictsAreRecordedOnceEvenWhenTheTaskIsRetried() {
        shifter.start(plan, OWNER, step());
        shifter.shift(plan, "one", OWNER, step());
        var verdict = dev.ragcanary.core.json.Json.parse("verdict", "{\"decision\":\"PROMOTE\",\"rules\":[]}");

        Step look = step();
        shifter.record(plan, Type.VERDICT, "PROMOTE: every rule held", verdict, look);
        shifter.record(plan, Type.VERDICT, "PROMOTE: every rule held", verdict, new Step(look.token(), 2));
        shifter.record(plan, Type.APPROVAL, "approved by alice", null, step());

        List<LedgerEntry> entries = ledger.entries(plan.rolloutId());
        assertThat(entries).extracting(LedgerEntry::type)
                .containsExactly(Type.STARTED, Type.WEIGHT_SET, Type.VERDICT, Type.APPROVAL);
        assertThat(entries.get(2).stage()).isEqualTo("one");
        assertThat(entries.get(2).detail()).isEqualTo(verdict);
        assertThat(store.read("rag-answer", "live").orElseThrow().ledgerSequence()).isEqualTo(4);
    }

    @Test
    void shiftingWithoutTheLockOrToAnUnknownStageFailsClearly() {
        assertThatThrownBy(() -> shifter.shift(plan, "one", OWNER, step())).hasMessageContaining("run the start action");
        shifter.start(plan, OWNER, step());
        assertThatThrownBy(() -> shifter.shift(plan, "eleven", OWNER, step())).hasMessageContaining("stage \"eleven\" is not in the plan");
    }
}
