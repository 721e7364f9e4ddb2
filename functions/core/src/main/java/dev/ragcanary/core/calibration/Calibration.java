package dev.ragcanary.core.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import java.util.List;
import java.util.Map;

/**
 * What {@code ./canary calibrate} measured replaying the control against itself ({@code schemas/calibration.schema.json}):
 * per quality metric the A/A noise and the limit on (canary - control) that keeps the rule's A/A false-rollback rate
 * at most {@code falseRollbackRate} with {@code confidence}; the questions unstable on their own; and whether the
 * control meets the playbook's absolute limits at all.
 */
public record Calibration(
        String createdAt,
        int runs,
        long seed,
        String target,
        ProbeSetId probeSet,
        String embedder,
        double falseRollbackRate,
        double confidence,
        Metrics metrics,
        List<UnstableQuestion> unstableQuestions,
        Map<String, PlaybookCheck> playbook) {

    /** The probe set replayed: its name, the SHA-256 of its file and its size. */
    public record ProbeSetId(String name, String sha256, int questions) {
    }

    /**
     * @param coverageByTopic per topic, each limit at {@code falseRollbackRate / topics} so the rule over every topic
     *                        keeps the rate
     */
    public record Metrics(Metric deltaSMedian, Metric coverageMean, Map<String, Metric> coverageByTopic,
                          Metric lambdaNotConvergent, Metric flipsPerQuestion, Metric schemaViolations) {
    }

    /**
     * @param noise  the A/A differences over the runs
     * @param limit  the largest difference the rule allows
     * @param method {@code order-statistic} or {@code normal-tolerance} (docs/statistical-judge.md)
     */
    public record Metric(Noise noise, double limit, String method) {
    }

    public record Noise(double min, double median, double p90, double max, double mean, double sd) {
    }

    /** A gold question whose λ state flipped between two replays of the same version in {@code runsFlipped} runs. */
    public record UnstableQuestion(String id, int runsFlipped) {
    }

    /** One of the playbook's absolute limits and the control's worst value over every replay. */
    public record PlaybookCheck(double limit, String comparator, double controlWorst, boolean controlMeets) {
    }

    /** "calibrated on 2025-08-27, 20 runs": the limit source a verdict shows. */
    public String source() {
        return "calibrated on " + createdAt.substring(0, Math.min(10, createdAt.length())) + ", " + runs + " runs";
    }

    /** Reads a calibration file strictly: every problem with its JSON path, naming the document {@code what}. */
    public static Calibration parse(String what, String text) {
        JsonNode document = Contract.CALIBRATION.parse(what, text);
        List<Problem> problems = Contract.CALIBRATION.problems(document);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(what, problems);
        }
        return Json.MAPPER.convertValue(document, Calibration.class);
    }
}
