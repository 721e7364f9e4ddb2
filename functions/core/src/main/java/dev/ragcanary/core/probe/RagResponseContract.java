package dev.ragcanary.core.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Problem;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Checks responses against the RAG data contract, schemas/rag-response.schema.json, plus any extra schema a probe
 * declares. Thread-safe: compiled schemas are shared by replay workers.
 */
public final class RagResponseContract {
    private final Map<JsonNode, JsonSchema> probeSchemas = new ConcurrentHashMap<>();

    /** Every way {@code response} breaks the contract (and {@code extraSchema}, when not null), as "path: message". */
    public List<String> violations(JsonNode response, JsonNode extraSchema) {
        Stream<Problem> problems = Contract.RAG_RESPONSE.problems(response).stream();
        if (extraSchema != null) {
            problems = Stream.concat(problems, Contract.problems(
                    probeSchemas.computeIfAbsent(extraSchema, Contract::compile), response).stream());
        }
        return problems.map(Problem::toString).toList();
    }
}
