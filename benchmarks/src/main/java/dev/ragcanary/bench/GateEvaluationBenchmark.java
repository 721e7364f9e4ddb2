package dev.ragcanary.bench;

import dev.ragcanary.core.gate.Evidence;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.gate.GateEngine;
import dev.ragcanary.core.gate.Verdict;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.metrics.LiveMetrics;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rag.IndexFingerprint;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Gate evaluation on a 200-question evidence bundle at stage fifty (every probe rule plus the flips hard stop),
 * with raw warm latency samples (20 000 control, 20 000 canary): the evaluation alone and parse + evaluation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GateEvaluationBenchmark {
    private final GateEngine gate = GateEngine.standard();
    private final Stage fifty = StageLadder.defaultStage("fifty").orElseThrow();
    private Evidence evidence;
    private String evidenceJson;

    @Setup
    public void buildEvidence() {
        evidence = twoHundredQuestionEvidence(new Random(42));
        evidenceJson = Json.compact(evidence);
    }

    @Benchmark
    public Verdict evaluate() {
        return gate.evaluate(fifty, Thresholds.DEFAULTS, evidence);
    }

    @Benchmark
    public Verdict parseAndEvaluate() {
        return gate.evaluate(fifty, Thresholds.DEFAULTS, EvidenceParser.parse(evidenceJson));
    }

    static Evidence twoHundredQuestionEvidence(Random random) {
        Map<String, List<LambdaState>> lambda = new LinkedHashMap<>();
        Map<String, Double> topics = new LinkedHashMap<>();
        for (int q = 0; q < 200; q++) {
            lambda.put(String.format("q%03d", q), List.of(LambdaState.CONVERGENT, LambdaState.CONVERGENT, LambdaState.CONVERGENT));
            topics.put("topic-" + (q % 20), 0.8);
        }
        ProbeSummary.VariantProbes variant = new ProbeSummary.VariantProbes(new ProbeSummary.DeltaS(0.33, 0.44, 1200),
                new ProbeSummary.Coverage(0.8, topics, 1200), lambda, 0, 0, 1200);
        IndexFingerprint index = new IndexFingerprint("0x9a77", "cosine", "bilstem");
        return new Evidence("benchmark", "fifty", null, 0, new ProbeSummary("k", 200, variant, variant),
                new LiveMetrics(metrics(random, 20_000), metrics(random, 20_000), 0),
                Map.of("control", Map.of("us-east-1", index, "eu-west-1", index), "canary", Map.of("us-east-1", index, "eu-west-1", index)),
                index, Thresholds.DEFAULTS, null, null);
    }

    private static LiveMetrics.VariantMetrics metrics(Random random, int samples) {
        List<Double> latency = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) {
            latency.add(Math.exp(Math.log(380) + 0.35 * random.nextGaussian()));
        }
        return new LiveMetrics.VariantMetrics(samples * 4L, samples / 250, Map.of("5xx:UpstreamTimeout", samples / 250L),
                latency, null, null, samples * 2L, samples * 2L);
    }
}
