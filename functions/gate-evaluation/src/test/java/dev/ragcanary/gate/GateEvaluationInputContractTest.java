package dev.ragcanary.gate;

import dev.ragcanary.core.json.Contract;
import dev.ragcanary.testsupport.ContractAgreement;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * schemas/gate-evaluation-input.schema.json and {@link GateEvaluationInput#parse} agree on the fixtures under
 * contracts/gate-evaluation-input (the two payloads the stage machine's gate Tasks pass among them) and on the examples
 * under events/gate-evaluation.
 */
class GateEvaluationInputContractTest {
    @TestFactory
    Stream<DynamicTest> gateEvaluationInput() {
        return ContractAgreement.of(Contract.GATE_EVALUATION_INPUT,
                Path.of("src/test/resources/contracts/gate-evaluation-input"),
                ContractAgreement.examples("events/gate-evaluation"),
                // As the handler reads it: strictly, then the schema and the rules only code can say.
                json -> GateEvaluationInput.parse(Contract.GATE_EVALUATION_INPUT.parse(json)));
    }
}
