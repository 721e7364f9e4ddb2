package dev.ragcanary.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.LambdaClassifier;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeReplayService;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ProbeSetParser;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.core.rollout.Thresholds;
import dev.ragcanary.embeddings.MiniLmEmbedder;
import dev.ragcanary.local.LocalFolderEvidenceStore;
import dev.ragcanary.sample.SampleRagConfig;
import dev.ragcanary.sample.SampleRagTarget;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true, description = {
        "Replay a probe set against a control and a canary variant of the sample RAG target, in-process (no AWS), and "
                + "print the summary the gate would get.",
        "Both variants start from the sample defaults; --control and --canary SETTING=VALUE change one of them.",
        "The full per-probe detail goes to the evidence folder. Exit 0, or 2 for bad input."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--probes", required = true, paramLabel = "FILE", description = "probe set, e.g. events/probes/gold.json")
    Path probesFile;

    @Option(names = "--control", paramLabel = "SETTING=VALUE", description = {
            "a sample RAG target setting for the control, repeatable: analyzer (english, standard, whitespace),",
            "chunkWords, topK, staleIndex, latencyMs, errorRate, rerankNoise, cachePrefix"})
    Map<String, String> control = new LinkedHashMap<>();

    @Option(names = "--canary", paramLabel = "SETTING=VALUE", description = "the same for the canary, e.g. --canary analyzer=whitespace")
    Map<String, String> canary = new LinkedHashMap<>();

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8", description = "calls in flight (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--evidence-dir", paramLabel = "DIR", defaultValue = ".canary/evidence",
            description = "where the full detail is written (default ${DEFAULT-VALUE})")
    Path evidenceDir;

    @Option(names = "--json", description = "print the summary as JSON instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ProbeSet probes = ProbeSetParser.parse(Files.readString(probesFile));
        SampleRagConfig controlConfig = config(control);
        SampleRagConfig canaryConfig = config(canary);
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
        return ExitCodes.OK;
    }

    /** The sample defaults with the given settings (text read as each setting's type). */
    static SampleRagConfig config(Map<String, String> settings) {
        Map<String, JsonNode> overrides = new LinkedHashMap<>();
        settings.forEach((name, value) -> overrides.put(name, TextNode.valueOf(value)));
        return SampleRagConfig.DEFAULTS.with(overrides);
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

    static String describe(SampleRagConfig c) {
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
