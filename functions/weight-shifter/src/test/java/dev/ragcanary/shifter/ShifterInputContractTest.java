package dev.ragcanary.shifter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.ExecutionInputs;
import dev.ragcanary.testsupport.ContractAgreement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The weight shifter's two contracts and {@link ShifterInput#parse} agree: the state machines' actions
 * (schemas/weight-shifter-input.schema.json) and the EventBridge status events (execution-status-change.schema.json),
 * each on its fixtures under contracts/ and on the examples under events/weight-shifter, sorted by what the parser
 * routes on: an event's detail-type.
 */
class ShifterInputContractTest {
    private static final Path FIXTURES = Path.of("src/test/resources/contracts");
    /** A status event that leaves the input out has it read from the execution: here, the example start input. */
    private static final ExecutionInputs EXECUTIONS = executionArn -> Optional.of(text(
            ContractAgreement.repoRoot().resolve("events/start-rollout.json")));

    @TestFactory
    Stream<DynamicTest> actionInput() {
        return ContractAgreement.of(Contract.WEIGHT_SHIFTER_INPUT, FIXTURES.resolve("weight-shifter-input"),
                examples(false), ShifterInputContractTest::read);
    }

    @TestFactory
    Stream<DynamicTest> executionStatusChange() {
        return ContractAgreement.of(Contract.EXECUTION_STATUS_CHANGE, FIXTURES.resolve("execution-status-change"),
                examples(true), ShifterInputContractTest::read);
    }

    /** As the handler reads either: strictly, then routed by detail-type. */
    private static void read(String json) {
        ShifterInput.parse(Contract.WEIGHT_SHIFTER_INPUT.parse(json), EXECUTIONS);
    }

    private static List<Path> examples(boolean statusEvents) {
        return ContractAgreement.examples("events/weight-shifter").stream().filter(file -> {
            JsonNode event = Json.parse(file.toString(), text(file));
            return ShifterInput.STATUS_CHANGE.equals(event.path("detail-type").asText()) == statusEvents;
        }).toList();
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
