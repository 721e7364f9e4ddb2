package dev.ragcanary.core.gate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.rollout.HardStop;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads an evidence bundle (as archived by a stage, or written by hand) and resolves the stage it judges.
 * schemas/evidence.schema.json checks shape, types and ranges; this class adds what a schema cannot say (errors at
 * most requests, egress successes at most emissions), reporting every problem at once.
 */
public final class EvidenceParser {
    private EvidenceParser() {
    }

    public static Evidence parse(String json) {
        return parse(Contract.EVIDENCE.parse(json));
    }

    /** Thresholds may be partial (overrides on the defaults); everything else binds to {@link Evidence}. */
    public static Evidence parse(JsonNode root) {
        List<Problem> problems = new ArrayList<>(Contract.EVIDENCE.problems(root));
        for (String variant : List.of("control", "canary")) {
            JsonNode metrics = root.path("live").path(variant);
            if (metrics.path("errors").asLong(0) > metrics.path("requests").asLong(Long.MAX_VALUE)) {
                problems.add(new Problem("$.live." + variant + ".errors", "must be at most requests ("
                        + metrics.path("requests").asLong() + ") but was " + metrics.path("errors").asLong()));
            }
        }
        for (String variant : List.of("control", "canary")) {
            JsonNode egress = root.path("egress").path(variant);
            if (egress.path("successes").asLong(0) > egress.path("emissions").asLong(Long.MAX_VALUE)) {
                problems.add(new Problem("$.egress." + variant + ".successes", "must be at most emissions ("
                        + egress.path("emissions").asLong() + ") but was " + egress.path("successes").asLong()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(Contract.EVIDENCE.what(), problems);
        }
        ObjectNode body = ((ObjectNode) root).deepCopy();
        body.set("thresholds", Json.MAPPER.valueToTree(Thresholds.DEFAULTS.overriddenBy(body.remove("thresholds"))));
        return Json.MAPPER.convertValue(body, Evidence.class);
    }

    /** Reads a thresholds override document (as given to {@code judge --thresholds}). */
    public static Thresholds parseThresholds(String json, Thresholds base) {
        return base.overriddenBy(Contract.THRESHOLDS.read(json));
    }

    /**
     * The stage to judge: {@code overrideName} if given, else the evidence's. A default stage name brings its weight and
     * hard stop; any other name needs the evidence's weight and has no hard stop.
     */
    public static Stage stage(Evidence evidence, String overrideName) {
        String name = overrideName != null ? overrideName : evidence.stage();
        Stage base = StageLadder.defaultStage(name).orElse(null);
        if (base == null && evidence.weight() == null) {
            throw new InvalidInputException("evidence", List.of(new Problem(overrideName != null ? "--stage" : "$.stage",
                    "\"" + name + "\" is not a default stage (" + StageLadder.DEFAULT.stream().map(Stage::name)
                            .collect(Collectors.joining(", ")) + ") and $.weight is missing")));
        }
        double weight = evidence.weight() != null && overrideName == null ? evidence.weight() : base.weight();
        return new Stage(name, weight, base == null ? 0 : base.bakeSeconds(), base == null ? HardStop.NONE : base.hardStop());
    }
}
