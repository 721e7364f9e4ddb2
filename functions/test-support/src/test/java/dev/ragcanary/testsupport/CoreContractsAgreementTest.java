package dev.ragcanary.testsupport;

import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.probe.ProbeSetParser;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Thresholds;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The schemas of the documents core reads and the parsers that read them agree on a shared set of valid and invalid
 * files (functions/core/src/test/resources/contracts, plus the examples under events/). Here, not in core, because
 * core's tests cannot depend on this module.
 */
class CoreContractsAgreementTest {
    private static final Path FIXTURES = ContractAgreement.repoRoot().resolve("functions/core/src/test/resources/contracts");

    @TestFactory
    Stream<DynamicTest> startInput() {
        Path events = ContractAgreement.repoRoot().resolve("events");
        return ContractAgreement.of(Contract.START_INPUT, FIXTURES.resolve("start-rollout"),
                List.of(events.resolve("start-rollout.json"), events.resolve("start-rollout-minimal.json"),
                        events.resolve("start-rollout-edges.json")),
                RolloutRequestParser::parse);
    }

    @TestFactory
    Stream<DynamicTest> thresholds() {
        return ContractAgreement.of(Contract.THRESHOLDS, FIXTURES.resolve("thresholds"), List.of(),
                json -> EvidenceParser.parseThresholds(json, Thresholds.DEFAULTS));
    }

    @TestFactory
    Stream<DynamicTest> evidence() {
        return ContractAgreement.of(Contract.EVIDENCE, FIXTURES.resolve("evidence"),
                ContractAgreement.examples("events/evidence"), EvidenceParser::parse);
    }

    @TestFactory
    Stream<DynamicTest> probeSet() {
        return ContractAgreement.of(Contract.PROBE_SET, FIXTURES.resolve("probe-set"),
                ContractAgreement.examples("events/probes"), ProbeSetParser::parse);
    }
}
