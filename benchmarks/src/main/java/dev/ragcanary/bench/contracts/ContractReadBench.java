package dev.ragcanary.bench.contracts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.gate.EvidenceParser;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/**
 * How long reading a large input takes, strict reader and schema included: a 2 MB evidence bundle that is valid, the
 * same with a bad value in every part (every problem is reported), and a 2 MB start input (refused by its size
 * limit). Prints one row per document: the first read (a fresh JVM, as {@code ./canary judge} runs it) and the median of
 * 15. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.ragcanary.bench.contracts.ContractReadBench}
 */
public final class ContractReadBench {
    private static final int READS = 15;

    private ContractReadBench() {
    }

    public static void main(String[] args) {
        String valid = evidence(false);
        String invalid = evidence(true);
        String startInput = "{\"padding\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        System.out.printf("%-42s %9s %9s %10s %10s%n", "document", "bytes", "problems", "first ms", "median ms");
        row("evidence, 2 MB, valid", valid, EvidenceParser::parse);
        row("evidence, 2 MB, a bad value in every part", invalid, EvidenceParser::parse);
        row("start input, 2 MB (over its 256 KiB limit)", startInput, RolloutRequestParser::parse);
    }

    private static void row(String name, String document, Consumer<String> read) {
        double[] millis = new double[READS];
        double first = 0;
        int problems = 0;
        for (int i = 0; i < READS; i++) {
            long start = System.nanoTime();
            try {
                read.accept(document);
                problems = 0;
            } catch (InvalidInputException e) {
                problems = e.problems().size();
            }
            millis[i] = (System.nanoTime() - start) / 1e6;
            first = i == 0 ? millis[0] : first;
        }
        Arrays.sort(millis);
        System.out.printf("%-42s %9d %9d %10.1f %10.1f%n", name, document.length(), problems, first, millis[READS / 2]);
    }

    /** Two variants with about 170,000 raw warm latency samples each: about 2 MB. */
    private static String evidence(boolean broken) {
        Random random = new Random(7);
        ObjectNode root = Json.MAPPER.createObjectNode().put("stage", "five");
        ObjectNode live = root.putObject("live");
        for (String variant : new String[] {"control", "canary"}) {
            ObjectNode metrics = live.putObject(variant).put("requests", broken ? -1 : 200_000).put("errors", 20);
            ArrayNode latencies = metrics.putArray("warmLatencyMs");
            for (int i = 0; i < 170_000; i++) {
                double sample = Math.round(Math.exp(5.9 + 0.4 * random.nextGaussian()) * 10) / 10.0;
                latencies.add(broken && i % 10_000 == 0 ? -sample : sample);
            }
        }
        if (broken) {
            root.putObject("thresholds").put("coverageMin", 1.3);
            root.put("extensions", "two");
        }
        return Json.compact(root);
    }
}
