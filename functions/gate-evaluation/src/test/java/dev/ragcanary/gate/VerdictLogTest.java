package dev.ragcanary.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.adapters.dynamodb.DynamoDbLedger;
import dev.ragcanary.adapters.dynamodb.DynamoDbRolloutStore;
import dev.ragcanary.core.gate.Decision;
import dev.ragcanary.core.gate.Outcome;
import dev.ragcanary.core.gate.RuleResult;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerNotes;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.Step;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.Events;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every verdict lands once in the ledger of the rollout that holds the alias (DynamoDB on dynalite). */
class VerdictLogTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable("rollouts"));

    private static final Verdict ROLLBACK = new Verdict("one", 0.01, Decision.ROLLBACK,
            "hard stop at stage one: live.latency.p95.ratio: observed 1.48, limit <= 1.25", 0,
            List.of(new RuleResult("live.latency.p95.ratio", "canary p95 / control p95", Outcome.FAIL, true, 1.48, 1.25,
                    "<=", Map.of("canary", 400L, "control", 3000L), null, null)));

    @Test
    void aVerdictIsRecordedOnceWithItsRulesAndEvidenceKey() {
        RolloutRequest plan = RolloutRequestParser.parse(Events.load("start-rollout.json"));
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
        DynamoDbLedger ledger = new DynamoDbLedger(DYNAMO.client(), "rollouts");
        store.acquire(RolloutState.initial(plan, "41", null, Step.first("start"), java.time.Instant.now()));
        VerdictLog log = VerdictLog.ledger(new LedgerNotes(store, ledger, Clock.systemUTC()));

        Step look = Step.first("exec/Evaluate the gate/2026-01-01T10:30:00Z");
        log.record(plan, ROLLBACK, "rollouts/x/gate/one/look-1.json", look);
        log.record(plan, ROLLBACK, "rollouts/x/gate/one/look-1.json", new Step(look.token(), 2));

        List<LedgerEntry> verdicts = ledger.entries(plan.rolloutId()).stream()
                .filter(e -> e.type() == LedgerEntry.Type.VERDICT).toList();
        assertThat(verdicts).hasSize(1);
        assertThat(verdicts.get(0).reason()).startsWith("ROLLBACK: hard stop at stage one");
        assertThat(verdicts.get(0).detail().get("evidenceKey").asText()).isEqualTo("rollouts/x/gate/one/look-1.json");
        JsonNode verdict = verdicts.get(0).detail().get("verdict");
        assertThat(verdict.get("decision").asText()).isEqualTo("ROLLBACK");
        assertThat(verdict.get("rules").get(0).get("rule").asText()).isEqualTo("live.latency.p95.ratio");
        assertThat(verdict.get("rules").get(0).get("observed").asDouble()).isEqualTo(1.48);
        assertThat(log.recorded(plan, new Step(look.token(), 3))).as("what a retried look answers with")
                .contains(new GateEvaluationService.Result(ROLLBACK, "rollouts/x/gate/one/look-1.json"));
        assertThat(log.recorded(plan, Step.first("another look"))).isEmpty();
    }

    @Test
    void aRolloutThatDoesNotHoldTheAliasCannotWriteVerdicts() {
        RolloutRequest stranger = RolloutRequestParser.parse(Events.load("start-rollout.json")
                .replace("\"rolloutId\": \"rag-answer-live-v42\"", "\"rolloutId\": \"someone-else\"")
                .replace("\"alias\": \"live\"", "\"alias\": \"other\""));
        DynamoDbRolloutStore store = new DynamoDbRolloutStore(DYNAMO.client(), "rollouts");
        VerdictLog log = VerdictLog.ledger(new LedgerNotes(store, new DynamoDbLedger(DYNAMO.client(), "rollouts"), Clock.systemUTC()));

        assertThatThrownBy(() -> log.record(stranger, ROLLBACK, "k", Step.first("look"))).hasMessageContaining("no rollout on rag-answer:other");
    }
}
