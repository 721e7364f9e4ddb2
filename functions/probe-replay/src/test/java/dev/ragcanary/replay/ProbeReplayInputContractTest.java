package dev.ragcanary.replay;

import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.testsupport.ContractAgreement;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * schemas/probe-replay-input.schema.json and {@link ProbeReplayInput#parse} agree on the fixtures under
 * contracts/probe-replay-input and on the examples under events/probe-replay, two of which are refused: one the
 * schema says is wrong, one (a stage the plan lacks) only code can say.
 */
class ProbeReplayInputContractTest {
    private static final Path EVENTS = ContractAgreement.repoRoot().resolve("events/probe-replay");

    @TestFactory
    Stream<DynamicTest> probeReplayInput() {
        return Stream.concat(
                ContractAgreement.of(Contract.PROBE_REPLAY_INPUT, Path.of("src/test/resources/contracts/probe-replay-input"),
                        List.of(EVENTS.resolve("stage-five.json"), EVENTS.resolve("stage-five-page-2.json")),
                        ProbeReplayInputContractTest::read),
                ContractAgreement.refusedExamples(Contract.PROBE_REPLAY_INPUT,
                        List.of(EVENTS.resolve("missing-fields.json")), List.of(EVENTS.resolve("unknown-stage.json")),
                        ProbeReplayInputContractTest::read));
    }

    /** As the handler reads it, with the default PROBE_MAX_PAGES (3). */
    private static void read(String json) {
        ProbeReplayInput.parse(Contract.PROBE_REPLAY_INPUT.parse(json), ReplayOptions.DEFAULTS.maxPages());
    }
}
