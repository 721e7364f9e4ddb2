package dev.ragcanary.core.gate;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.JsonObject;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.rollout.HardStop;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.rollout.Thresholds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Reads an evidence bundle (as archived by a stage, or written by hand) and resolves the stage it judges. */
public final class EvidenceParser {
    private static final ObjectReader STRICT = Json.MAPPER.readerFor(Evidence.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private EvidenceParser() {
    }

    public static Evidence parse(String json) {
        return parse(Json.parse("evidence", json));
    }

    /** Thresholds may be partial (overrides on the defaults); everything else binds strictly to {@link Evidence}. */
    public static Evidence parse(JsonNode root) {
        List<Problem> problems = new ArrayList<>();
        if (!root.isObject()) {
            throw new InvalidInputException("evidence", List.of(new Problem("$", "expected an object but found " + JsonObject.describe(root))));
        }
        ObjectNode body = ((ObjectNode) root).deepCopy();
        JsonNode thresholdsNode = body.remove("thresholds");
        Thresholds thresholds = readThresholds(thresholdsNode, "$.thresholds", problems);
        Evidence bound = null;
        try {
            bound = STRICT.readValue(body);
        } catch (JsonMappingException e) {
            problems.add(new Problem(path(e), e.getOriginalMessage().split("\n")[0]));
        } catch (IOException e) {
            problems.add(new Problem("$", e.getMessage()));
        }
        if (bound != null && (bound.stage() == null || bound.stage().isBlank())) {
            problems.add(new Problem("$.stage", "required text is missing"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException("evidence", problems);
        }
        return new Evidence(bound.description(), bound.stage(), bound.weight(), bound.extensions(), bound.probes(), bound.live(),
                bound.fingerprints(), bound.expectedIndex(), thresholds);
    }

    /** Reads a thresholds override document (as given to {@code judge --thresholds}). */
    public static Thresholds parseThresholds(String json, Thresholds base) {
        List<Problem> problems = new ArrayList<>();
        Thresholds t = Thresholds.read(JsonObject.of(Json.parse("thresholds", json), "$", problems, Thresholds.FIELDS), base);
        if (!problems.isEmpty()) {
            throw new InvalidInputException("thresholds", problems);
        }
        return t;
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

    private static Thresholds readThresholds(JsonNode node, String path, List<Problem> problems) {
        if (node == null || node.isNull()) {
            return Thresholds.DEFAULTS;
        }
        return Thresholds.read(JsonObject.of(node, path, problems, Thresholds.FIELDS), Thresholds.DEFAULTS);
    }


    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder("$");
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
