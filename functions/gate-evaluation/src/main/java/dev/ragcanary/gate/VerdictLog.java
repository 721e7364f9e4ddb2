package dev.ragcanary.gate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerNotes;
import dev.ragcanary.core.traffic.Step;
import java.util.Optional;

/** Keeps every verdict the gate returns, with its rules and evidence key, in the rollout's record. */
public interface VerdictLog {

    void record(RolloutRequest plan, Verdict verdict, String evidenceKey, Step step);

    /**
     * What the look with {@code step}'s token recorded, if it did: a retried look (its first attempt's reply was lost)
     * returns that instead of judging again on data that may have changed since, so the machine acts on the verdict the
     * ledger holds.
     */
    default Optional<GateEvaluationService.Result> recorded(RolloutRequest plan, Step step) {
        return Optional.empty();
    }

    /** The rollout's ledger: one VERDICT entry per gate look (a retried look writes no second entry), detail {verdict, evidenceKey}. */
    static VerdictLog ledger(LedgerNotes notes) {
        return new VerdictLog() {
            @Override
            public void record(RolloutRequest plan, Verdict verdict, String evidenceKey, Step step) {
                // The same shape as the gate task's output, so operators read one format.
                JsonNode detail = Json.MAPPER.valueToTree(new GateEvaluationService.Result(verdict, evidenceKey));
                notes.record(plan, LedgerEntry.Type.VERDICT, verdict.decision() + ": " + verdict.reason(), detail,
                        step);
            }

            @Override
            public Optional<GateEvaluationService.Result> recorded(RolloutRequest plan, Step step) {
                return notes.recorded(plan, step).filter(e -> e.type() == LedgerEntry.Type.VERDICT)
                        .map(e -> Json.MAPPER.convertValue(e.detail(), GateEvaluationService.Result.class));
            }
        };
    }
}
