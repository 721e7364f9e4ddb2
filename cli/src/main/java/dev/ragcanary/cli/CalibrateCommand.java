package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.calibration.CalibrationBuilder;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Embedder;
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
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "calibrate", mixinStandardHelpOptions = true, description = {
        "Replay the control against itself N times (A/A: both variants are the control, each run at seeds of its own) "
                + "through the probe replay the gate uses, and write a calibration file: per quality metric the A/A noise "
                + "and the limit on (canary - control) that keeps that rule's A/A false-rollback rate at most "
                + "--false-rollback-rate with --confidence (docs/statistical-judge.md).",
        "Also reports the gold questions whose λ flips between two replays of the same version, and whether the control "
                + "meets the playbook's absolute limits (the thresholds' defaults) at all.",
        "A start input's \"calibration\" names the file; the gate then judges the quality rules relative to the control as well.",
        "One progress line per run on stderr; the table on stdout. Exit 0, 1 when AWS is needed, 2 for bad input."})
final class CalibrateCommand implements Callable<Integer> {
    static final String SAMPLE = "sample";
    /** A function ARN with an optional qualifier (version or alias). */
    private static final Pattern FUNCTION_ARN = Pattern.compile(
            "arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]{1,128}))?");

    @Spec
    CommandSpec spec;

    @Option(names = "--probes", required = true, paramLabel = "FILE", description = "probe set, e.g. events/probes/gold.json")
    Path probesFile;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "20", description = "A/A replays (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = ".canary/calibration.json",
            description = "where the calibration is written (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed the runs' probe seeds are drawn from (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--target", paramLabel = "sample|ARN[:QUALIFIER]", defaultValue = SAMPLE, description = {
            "what to replay: the sample RAG target in-process (default), or a deployed function version by ARN"})
    String target;

    @Option(names = "--control", paramLabel = "SETTING=VALUE", description = {
            "a sample target setting of the control, repeatable, as for ./canary replay (e.g. topK=3)"})
    Map<String, String> control = new LinkedHashMap<>();

    @Option(names = "--false-rollback-rate", paramLabel = "RATE", defaultValue = "0.01",
            description = "largest A/A false-rollback rate per rule (default ${DEFAULT-VALUE})")
    double falseRollbackRate;

    @Option(names = "--confidence", paramLabel = "C", defaultValue = "0.95",
            description = "confidence that each limit keeps that rate (default ${DEFAULT-VALUE})")
    double confidence;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8", description = "calls in flight (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--evidence-dir", paramLabel = "DIR", defaultValue = ".canary/evidence",
            description = "where each run's detail is written (default ${DEFAULT-VALUE})")
    Path evidenceDir;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        if (!SAMPLE.equals(target)) {
            Matcher arn = FUNCTION_ARN.matcher(target);
            if (!arn.matches()) {
                throw new UsageProblem("--target: expected \"sample\" or a Lambda function ARN such as "
                        + "arn:aws:lambda:us-east-1:123456789012:function:rag-answer:41, but was \"" + target + "\"");
            }
            spec.commandLine().getErr().printf("--target %s needs AWS: calibrating a deployed version replays it on AWS"
                    + " Lambda (function %s, qualifier %s in %s), which this command line does not do yet (./canary replay"
                    + " replays only the sample target in-process). Calibrate the sample target, or replay on AWS with the"
                    + " probe replay function.%n", target, arn.group(3), arn.group(4) == null ? "$LATEST" : arn.group(4),
                    arn.group(1));
            return ExitCodes.FAILED;
        }
        byte[] probeBytes = Files.readAllBytes(probesFile);
        ProbeSet probes = ProbeSetParser.parse(new String(probeBytes, java.nio.charset.StandardCharsets.UTF_8));
        SampleRagConfig config = ReplayCommand.config(control);
        Embedder embedder = new ReusedEmbeddings(new MiniLmEmbedder());
        // One target and one embedder for every run: the indexes are built once and a text is embedded once.
        ProbeReplayService service = new ProbeReplayService(SampleRagTarget.of(config, config), embedder,
                new LocalFolderEvidenceStore(evidenceDir), ReplayOptions.DEFAULTS.withConcurrency(concurrency));
        String createdAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String folder = "calibrations/" + createdAt.replace(':', '-') + "/";
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        List<ProbeSummary> summaries = new ArrayList<>();
        List<ProbeReplayService.Seeds> seeds = seeds(runs, seed);
        for (int run = 0; run < runs; run++) {
            long runStart = System.nanoTime();
            ProbeSummary s = service.replay(new ProbeReplayService.Request(probes, ProbeReplayService.CONTROL,
                    ProbeReplayService.CANARY, Thresholds.DEFAULTS, folder + String.format("run-%02d.json", run + 1),
                    seeds.get(run))).summary();
            summaries.add(s);
            err.printf("run %d/%d seeds %s vs %s: ΔS median %.4f vs %.4f, coverage %.4f vs %.4f, not λ-convergent %d vs %d"
                            + " (%.1f s)%n", run + 1, runs, seeds.get(run).control(), seeds.get(run).canary(),
                    s.control().deltaS().median(), s.canary().deltaS().median(), s.control().coverage().mean(),
                    s.canary().coverage().mean(), CalibrationBuilder.notConvergent(s.control()),
                    CalibrationBuilder.notConvergent(s.canary()), (System.nanoTime() - runStart) / 1e9);
            err.flush();
        }
        Calibration calibration = CalibrationBuilder.build(
                new CalibrationBuilder.Origin(createdAt, seed, SAMPLE + " " + ReplayCommand.describe(config),
                        new Calibration.ProbeSetId(probes.name(), sha256(probeBytes), probes.probes().size()),
                        embedder.modelId()),
                new CalibrationBuilder.Settings(falseRollbackRate, confidence, Thresholds.DEFAULTS), summaries);
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Files.writeString(out, Json.pretty(calibration) + "\n");
        print(spec.commandLine().getOut(), calibration, (System.nanoTime() - started) / 1e9);
        return ExitCodes.OK;
    }

    private void checkOptions() {
        List<String> problems = new ArrayList<>();
        if (runs < 2 || runs > 10_000) {
            problems.add("--runs: must be from 2 to 10000 but was " + runs);
        }
        if (!(falseRollbackRate > 0 && falseRollbackRate <= 0.5)) {
            problems.add("--false-rollback-rate: must be above 0 and at most 0.5 but was " + falseRollbackRate);
        }
        if (!(confidence >= 0.5 && confidence < 1)) {
            problems.add("--confidence: must be at least 0.5 and below 1 but was " + confidence);
        }
        if (concurrency < 1 || concurrency > 256) {
            problems.add("--concurrency: must be from 1 to 256 but was " + concurrency);
        }
        if (!problems.isEmpty()) {
            throw new UsageProblem(String.join("\n", problems));
        }
    }

    /** Four distinct seeds per run, two per variant, none shared between runs, drawn from {@code seed}. */
    static List<ProbeReplayService.Seeds> seeds(int runs, long seed) {
        Random random = new Random(seed);
        Set<Integer> used = new LinkedHashSet<>();
        List<ProbeReplayService.Seeds> out = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            List<Integer> four = new ArrayList<>();
            while (four.size() < 4) {
                int s = 1 + random.nextInt(1_000_000_000);
                if (used.add(s)) {
                    four.add(s);
                }
            }
            out.add(new ProbeReplayService.Seeds(four.subList(0, 2), four.subList(2, 4)));
        }
        return out;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private void print(PrintWriter out, Calibration c, double seconds) {
        out.printf("calibration: %d A/A runs of the %s, probe set \"%s\" (%d questions, sha256 %s...), embedder %s, seed %d%n",
                c.runs(), c.target(), c.probeSet().name(), c.probeSet().questions(), c.probeSet().sha256().substring(0, 12),
                c.embedder(), c.seed());
        out.printf("each limit keeps its rule's A/A false-rollback rate <= %s at %s confidence%n%n",
                percent(c.falseRollbackRate()), percent(c.confidence()));
        out.printf("%-36s %8s %8s %8s %8s %8s %8s  %s%n", "A/A difference", "min", "median", "p90", "max", "sd", "limit", "method");
        Calibration.Metrics m = c.metrics();
        row(out, "ΔS median (canary - control)", m.deltaSMedian());
        row(out, "coverage mean (drop)", m.coverageMean());
        m.coverageByTopic().forEach((topic, metric) -> row(out, "coverage " + topic + " (drop)", metric));
        row(out, "λ not convergent (count)", m.lambdaNotConvergent());
        row(out, "λ flips on one question", m.flipsPerQuestion());
        row(out, "schema violations (count)", m.schemaViolations());
        out.printf("%nthe control against the playbook's absolute limits (worst of %d replays):%n", 2 * c.runs());
        c.playbook().forEach((rule, check) -> out.printf("  %-34s %-2s %-7s control %-8s %s%n", rule, check.comparator(),
                Json.compact(check.limit()), Json.compact(check.controlWorst()), check.controlMeets() ? "meets it"
                        : "FAILS it: with this calibration the gate judges this rule relative to the control"));
        out.printf("%nunstable gold questions (λ flips between two replays of the control): %s%n",
                c.unstableQuestions().isEmpty() ? "none" : c.unstableQuestions().stream()
                        .map(q -> q.id() + " (" + q.runsFlipped() + " of " + c.runs() + " runs)")
                        .collect(Collectors.joining(", ")) + " - fix or replace these questions");
        out.printf("wrote %s in %.1f s%n", this.out, seconds);
    }

    private static void row(PrintWriter out, String name, Calibration.Metric m) {
        Calibration.Noise n = m.noise();
        out.printf("%-36s %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f  %s%n", name, n.min(), n.median(), n.p90(), n.max(), n.sd(),
                m.limit(), m.method());
    }

    private static String percent(double p) {
        return Json.compact(Math.round(p * 10_000) / 100.0) + " %";
    }

    /** The embedder with one cache over every run: a paraphrase or section is embedded once per calibration. */
    private record ReusedEmbeddings(Embedder embedder, Map<String, float[]> cache) implements Embedder {
        ReusedEmbeddings(Embedder embedder) {
            this(embedder, new ConcurrentHashMap<>());
        }

        @Override
        public String modelId() {
            return embedder.modelId();
        }

        @Override
        public float[] embed(String text) {
            return cache.computeIfAbsent(text, embedder::embed);
        }
    }
}
