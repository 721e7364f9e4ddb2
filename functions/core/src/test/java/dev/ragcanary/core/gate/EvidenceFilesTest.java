package dev.ragcanary.core.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.RepoFiles;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bundle in events/evidence gives its documented decision and names exactly the failing rules. */
class EvidenceFilesTest {

    static Stream<Arguments> bundles() {
        return Stream.of(
                Arguments.of("healthy-canary", Decision.PROMOTE, Set.of()),
                Arguments.of("p95-regression-stage-one", Decision.ROLLBACK, Set.of("live.latency.p95.ratio")),
                Arguments.of("new-failure-class", Decision.ROLLBACK, Set.of("live.errors.newFailureClass")),
                Arguments.of("low-topic-coverage-stage-five", Decision.ROLLBACK, Set.of("quality.coverage.perTopic")),
                Arguments.of("index-mismatch-regions", Decision.ROLLBACK,
                        Set.of("index.fingerprint.regionParity", "index.fingerprint.expected")),
                Arguments.of("cache-collision", Decision.ROLLBACK, Set.of("live.cache.prefixCollisions")),
                Arguments.of("lambda-flips-fifty", Decision.ROLLBACK,
                        Set.of("quality.lambda.flipsPerQuestion", "quality.lambda.convergent")),
                Arguments.of("too-few-samples", Decision.EXTEND, Set.of()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("bundles")
    void givesItsDocumentedDecision(String name, Decision decision, Set<String> failingRules) {
        Evidence evidence = EvidenceParser.parse(RepoFiles.read("events/evidence/" + name + ".json"));

        Verdict verdict = GateEngine.standard().evaluate(EvidenceParser.stage(evidence, null), evidence.thresholds(), evidence);

        assertThat(verdict.decision()).as(verdict.reason()).isEqualTo(decision);
        assertThat(verdict.failed()).extracting(RuleResult::rule).containsExactlyInAnyOrderElementsOf(failingRules);
        assertThat(evidence.description()).as("each bundle says what it shows").isNotBlank();
    }
}
