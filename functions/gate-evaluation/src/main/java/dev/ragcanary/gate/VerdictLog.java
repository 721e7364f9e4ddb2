package dev.ragcanary.gate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.LedgerEntry;
import dev.ragcanary.core.traffic.LedgerNotes;
import dev.ragcanary.core.traffic.Step;

/** Keeps every verdict the gate returns, with its rules and evidence key, in the rollout's record. */
@FunctionalInterface
public interface VerdictLog {

    void record(RolloutRequest plan, Verdict verdict, String evidenceKey, Step step);

    /** The rollout's ledger: one VERDICT entry per gate look (a retried look writes no second entry), detail {verdict, evidenceKey}. */
    static VerdictLog ledger(LedgerNotes notes) {
        return (plan, verdict, evidenceKey, step) -> {
            // The same shape as the gate task's output, so operators read one format.
            JsonNode detail = Json.MAPPER.valueToTree(new GateEvaluationService.Result(verdict, evidenceKey));
            notes.record(plan, LedgerEntry.Type.VERDICT, verdict.decision() + ": " + verdict.reason(), detail, step);
        };
    }
}
