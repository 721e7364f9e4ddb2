package dev.ragcanary.cli;

import dev.ragcanary.core.evidence.LocalFolderEvidenceStore;
import dev.ragcanary.core.gate.ProbeSummary;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.LambdaClassifier;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeReplayService;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ProbeSetParser;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import dev.ragcanary.sample.SampleRagConfig;
import dev.ragcanary.sample.SampleRagTarget;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replay", description = {
        "Replay a probe set against a control and a canary variant of the sample RAG target, in-process (no AWS), and "
                + "print the summary the gate would get.",
        "Both variants start from the sample defaults; --control-* and --canary-* flags change one of them.",
        "The full per-probe detail goes to the evidence folder. Exit 0, or 2 for bad input."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--probes", required = true, paramLabel = "FILE", description = "probe set, e.g. events/probes/gold.json")
    Path probesFile;

    @Mixin
    ControlOptions control = new ControlOptions();

    @Mixin
    CanaryOptions canary = new CanaryOptions();

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8", description = "calls in flight (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--evidence-dir", paramLabel = "DIR", defaultValue = ".canary/evidence",
            description = "where the full detail is written (default ${DEFAULT-VALUE})")
    Path evidenceDir;

    @Option(names = "--json", description = "print the summary as JSON instead of a table")
    boolean json;

    /** The sample target's knobs for one variant; null leaves the default. */
    abstract static class VariantOptions {
        abstract String analyzer();

        abstract Integer chunkWords();

        abstract Integer topK();

        abstract boolean staleIndex();

        abstract Long latencyMs();

        abstract Double errorRate();

        abstract Double rerankNoise();

        SampleRagConfig config() {
            SampleRagConfig c = SampleRagConfig.DEFAULTS;
            if (analyzer() != null) {
                c = c.withAnalyzer(analyzer());
            }
            if (chunkWords() != null) {
                c = c.withChunkWords(chunkWords());
            }
            if (topK() != null) {
                c = c.withTopK(topK());
            }
            if (latencyMs() != null) {
                c = c.withLatencyMs(latencyMs());
            }
            if (errorRate() != null) {
                c = c.withErrorRate(errorRate());
            }
            if (rerankNoise() != null) {
                c = c.withRerankNoise(rerankNoise());
            }
            return c.withStaleIndex(staleIndex());
        }
    }

    static final class ControlOptions extends VariantOptions {
        @Option(names = "--control-analyzer", paramLabel = "NAME", description = "english (default), standard or whitespace")
        String analyzer;
        @Option(names = "--control-chunk-words", paramLabel = "N", description = "words per indexed chunk (default 25)")
        Integer chunkWords;
        @Option(names = "--control-top-k", paramLabel = "N", description = "snippets returned (default 1)")
        Integer topK;
        @Option(names = "--control-stale-index", description = "index the first revision of the runbook")
        boolean staleIndex;
        @Option(names = "--control-latency-ms", paramLabel = "MS", description = "added to every call")
        Long latencyMs;
        @Option(names = "--control-error-rate", paramLabel = "0..1", description = "share of calls failing with an injected error")
        Double errorRate;
        @Option(names = "--control-rerank-noise", paramLabel = "0..1", description = "seed-dependent noise on scores")
        Double rerankNoise;

        String analyzer() { return analyzer; }
        Integer chunkWords() { return chunkWords; }
        Integer topK() { return topK; }
        boolean staleIndex() { return staleIndex; }
        Long latencyMs() { return latencyMs; }
        Double errorRate() { return errorRate; }
        Double rerankNoise() { return rerankNoise; }
    }

    static final class CanaryOptions extends VariantOptions {
        @Option(names = "--canary-analyzer", paramLabel = "NAME", description = "english (default), standard or whitespace")
        String analyzer;
        @Option(names = "--canary-chunk-words", paramLabel = "N", description = "words per indexed chunk (default 25)")
        Integer chunkWords;
        @Option(names = "--canary-top-k", paramLabel = "N", description = "snippets returned (default 1)")
        Integer topK;
        @Option(names = "--canary-stale-index", description = "index the first revision of the runbook")
        boolean staleIndex;
        @Option(names = "--canary-latency-ms", paramLabel = "MS", description = "added to every call")
        Long latencyMs;
        @Option(names = "--canary-error-rate", paramLabel = "0..1", description = "share of calls failing with an injected error")
        Double errorRate;
        @Option(names = "--canary-rerank-noise", paramLabel = "0..1", description = "seed-dependent noise on scores")
        Double rerankNoise;

        String analyzer() { return analyzer; }
        Integer chunkWords() { return chunkWords; }
        Integer topK() { return topK; }
        boolean staleIndex() { return staleIndex; }
        Long latencyMs() { return latencyMs; }
        Double errorRate() { return errorRate; }
        Double rerankNoise() { return rerankNoise; }
    }

    @Override
    public Integer call() throws Exception {
        ProbeSet probes = ProbeSetParser.parse(Files.readString(probesFile));
        SampleRagConfig controlConfig = control.config();
        SampleRagConfig canaryConfig = canary.config();
        LocalFolderEvidenceStore evidence = new LocalFolderEvidenceStore(evidenceDir);
        String key = "replays/" + Instant.now().toString().replace(':', '-') + ".json";
        ProbeReplayService service = new ProbeReplayService(SampleRagTarget.of(controlConfig, canaryConfig),
                new MiniLmEmbedder(), evidence, ReplayOptions.DEFAULTS.withConcurrency(concurrency));
        ProbeReplayService.Result result = service.replay(new ProbeReplayService.Request(probes, "control", "canary",
                Thresholds.DEFAULTS, key));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.pretty(result.summary()));
        } else {
            print(out, result, controlConfig, canaryConfig, evidenceDir.resolve(key));
        }
        return CanaryCli.EXIT_OK;
    }

    private static void print(PrintWriter out, ProbeReplayService.Result r, SampleRagConfig control, SampleRagConfig canary,
                              Path detail) {
        ProbeSummary s = r.summary();
        out.printf("probe replay: %d questions x 3 paraphrases x 2 seeds per variant, embedder %s%n", s.questions(),
                r.detail().embedder());
        out.printf("  control: %s%n  canary:  %s%n%n", describe(control), describe(canary));
        out.printf("%-34s %10s %10s%n", "", "control", "canary");
        Thresholds limits = Thresholds.DEFAULTS;
        row(out, "ΔS median (limit <= " + limits.deltaSMedianMax() + ")", s.control().deltaS().median(), s.canary().deltaS().median());
        row(out, "ΔS p90", s.control().deltaS().p90(), s.canary().deltaS().p90());
        row(out, "coverage mean (limit >= " + limits.coverageMin() + ")", s.control().coverage().mean(), s.canary().coverage().mean());
        row(out, "worst topic coverage", worst(s.control().coverage().byTopic()), worst(s.canary().coverage().byTopic()));
        out.printf("%-34s %10d %10d%n", "λ-convergent questions", convergent(s.control().lambda()), convergent(s.canary().lambda()));
        out.printf("%-34s %10d %10d%n", "errors", s.control().errors(), s.canary().errors());
        out.printf("%-34s %10d %10d%n", "schema violations", s.control().schemaViolations(), s.canary().schemaViolations());
        out.printf("%-34s %10d %10d%n", "calls", s.control().calls(), s.canary().calls());
        List<LambdaClassifier.Flip> flips = r.detail().flips();
        out.printf("%nλ flips (canary state differs from control): %d%s%n", flips.size(),
                flips.isEmpty() ? "" : ", e.g. " + flips.stream().limit(5)
                        .map(f -> f.questionId() + "[" + f.paraphrase() + "] " + f.control().symbol() + " -> " + f.canary().symbol())
                        .toList());
        out.printf("detail: %s%n", detail);
    }

    private static String describe(SampleRagConfig c) {
        return "analyzer=" + c.analyzer() + " chunkWords=" + c.chunkWords() + " topK=" + c.topK() + " staleIndex=" + c.staleIndex()
                + " latencyMs=" + c.latencyMs() + " errorRate=" + c.errorRate() + " rerankNoise=" + c.rerankNoise();
    }

    private static void row(PrintWriter out, String name, double control, double canary) {
        out.printf("%-34s %10.4f %10.4f%n", name, control, canary);
    }

    private static double worst(Map<String, Double> byTopic) {
        return byTopic.values().stream().mapToDouble(Double::doubleValue).min().orElse(0.0);
    }

    private static long convergent(Map<String, List<LambdaState>> lambda) {
        return lambda.values().stream().filter(states -> states.stream().allMatch(st -> st == LambdaState.CONVERGENT)).count();
    }
}
