package dev.ragcanary.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.probe.ProbeReplayService;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ProbeSetParser;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.probe.ReplayDetail;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import dev.ragcanary.sample.Runbook;
import dev.ragcanary.sample.SampleRagConfig;
import dev.ragcanary.sample.SampleRagTarget;
import dev.ragcanary.testsupport.InMemoryEvidenceStore;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gold set replayed against real sample-target variants with the real embedder: a worse retriever shows up as a
 * higher ΔS median and lower coverage. With the default configuration the control scores ΔS median 0.437 and
 * coverage 0.827 (both deterministic: BM25 and the pinned model); the margins below leave room for float noise
 * across CPUs, not for behaviour changes.
 */
class GoldReplayTest {
    private static MiniLmEmbedder embedder;
    private static ProbeSet gold;

    @BeforeAll
    static void load() {
        embedder = new MiniLmEmbedder();
        gold = ProbeSetParser.parse(Runbook.goldProbes());
    }

    private ProbeReplayService.Result replay(SampleRagConfig control, SampleRagConfig canary) {
        ProbeReplayService service = new ProbeReplayService(SampleRagTarget.of(control, canary), embedder,
                new InMemoryEvidenceStore(), ReplayOptions.DEFAULTS.withConcurrency(4));
        return service.replay(new ProbeReplayService.Request(gold, "control", "canary", Thresholds.DEFAULTS, "gold/run.json"));
    }

    @Test
    void identicalVariantsGiveZeroFlipsAndEqualMedians() {
        ProbeReplayService.Result r = replay(SampleRagConfig.DEFAULTS, SampleRagConfig.DEFAULTS);

        assertThat(r.detail().flips()).isEmpty();
        assertThat(r.summary().canary().deltaS()).isEqualTo(r.summary().control().deltaS());
        assertThat(r.summary().canary().coverage()).isEqualTo(r.summary().control().coverage());
        assertThat(r.summary().canary().lambda()).isEqualTo(r.summary().control().lambda());
        assertThat(r.summary().control().calls()).isEqualTo(gold.probes().size() * 3 * 2);
        assertThat(r.summary().control().errors()).isZero();
        assertThat(r.summary().control().schemaViolations()).isZero();
        assertThat(r.summary().control().coverage().mean()).isGreaterThan(0.80);
    }

    @Test
    void whitespaceAnalyzerRaisesDeltaSAndLowersCoverage() {
        ProbeSummary s = replay(SampleRagConfig.DEFAULTS, SampleRagConfig.DEFAULTS.with("analyzer", "whitespace")).summary();

        // measured: ΔS median 0.437 -> 0.486, coverage 0.827 -> 0.647
        assertThat(s.canary().deltaS().median()).isGreaterThanOrEqualTo(s.control().deltaS().median() + 0.03);
        assertThat(s.canary().coverage().mean()).isLessThanOrEqualTo(s.control().coverage().mean() - 0.12);
    }

    @Test
    void staleIndexRaisesDeltaSLowersCoverageAndChangesTheIndexHash() {
        ProbeReplayService.Result r = replay(SampleRagConfig.DEFAULTS, SampleRagConfig.DEFAULTS.with("staleIndex", true));
        ProbeSummary s = r.summary();

        // measured: ΔS median 0.437 -> 0.471, coverage 0.827 -> 0.712
        assertThat(s.canary().deltaS().median()).isGreaterThanOrEqualTo(s.control().deltaS().median() + 0.02);
        assertThat(s.canary().coverage().mean()).isLessThanOrEqualTo(s.control().coverage().mean() - 0.08);
        assertThat(hashes(r, "control")).hasSize(1).doesNotContainAnyElementsOf(hashes(r, "canary"));
    }

    private static Set<String> hashes(ProbeReplayService.Result r, String variant) {
        return r.detail().calls().stream().filter(c -> c.variant().equals(variant)).map(ReplayDetail.Call::index)
                .map(IndexFingerprint::indexHash).collect(Collectors.toSet());
    }
}
