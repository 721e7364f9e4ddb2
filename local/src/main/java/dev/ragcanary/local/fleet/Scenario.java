package dev.ragcanary.local.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the simulated fleet does during a local rollout, read strictly from {@code events/scenarios/*.json} by
 * {@link #read} (schema: {@code schemas/scenario.schema.json}; every field is optional and an absent one behaves
 * like a healthy fleet).
 *
 * @param name            the file name without {@code .json}
 * @param startInput      fields laid over the start input, {@code events/start-rollout.json} unless the rehearsal
 *                        is given another (stages, thresholds, approvals, ...; objects merged field by field).
 *                        The shipped scenarios name the sample target's calibration
 *                        ({@code events/calibration/sample-target.json}): its control fails the playbook's ΔS and λ
 *                        limits itself, so the gate judges those relative to the control
 * @param traffic         user traffic per region
 * @param control         how the control version behaves
 * @param canary          how the canary version behaves
 * @param controlPlane    injected throttling of the Lambda control plane and DynamoDB, per stage
 * @param approvals       the local stand-in for a person: {@code approve}, {@code refuse} or {@code timeout}
 * @param abort           stop the rollout execution at a stage (as {@code ./canary abort} would), or null
 * @param secondRollout   start another rollout on the same alias during a stage, or null
 * @param seed            drives every random draw, so a scenario replays identically
 */
public record Scenario(
        String name,
        String description,
        ObjectNode startInput,
        Traffic traffic,
        Variant control,
        Variant canary,
        ControlPlane controlPlane,
        String approvals,
        Abort abort,
        SecondRollout secondRollout,
        long seed) {

    public static final String CONTROL_VERSION = "41";
    public static final String CANARY_VERSION = "42";

    public Scenario {
        startInput = startInput == null ? Json.MAPPER.createObjectNode() : startInput;
        traffic = traffic == null ? Traffic.DEFAULT : traffic;
        control = control == null ? Variant.HEALTHY : control;
        canary = canary == null ? Variant.HEALTHY : canary;
        controlPlane = controlPlane == null ? ControlPlane.CALM : controlPlane;
        approvals = approvals == null ? "approve" : approvals;
    }

    /**
     * @param requestsPerSecond user requests per second in each region, all variants together
     * @param stickyUsers       distinct sticky keys the requests come from (evenly); the canary share is the share of
     *                          keys whose bucket falls under the weight, as the router decides it
     */
    public record Traffic(double requestsPerSecond, int stickyUsers) {
        public static final Traffic DEFAULT = new Traffic(40, 20_000);
    }

    /**
     * @param latencyMs          warm latency, log-normal with this median and p95
     * @param errorRate          share of requests that fail
     * @param failureClasses     failure class -> share of the failures
     * @param cacheHitRatio      share of cache lookups that hit
     * @param rag                sample RAG target configuration fields for this version (retrieval quality)
     * @param schemaViolationRate share of probe responses that break the RAG response contract
     * @param indexHashByRegion  region -> INDEX_HASH this version's responses report there, when not the one its
     *                           index really has (a region serving a different index)
     * @param cacheCollisionsFromWeight from this canary weight on, this version's cache invalidations hit the other
     *                           version's prefix: one collision per started hour of the window; null = never
     * @param egress             the billing webhook's simulated volume for the gate
     */
    public record Variant(Latency latencyMs, Double errorRate, Map<String, Double> failureClasses, Double cacheHitRatio,
                          ObjectNode rag, Double schemaViolationRate, Map<String, String> indexHashByRegion,
                          Double cacheCollisionsFromWeight, Egress egress) {
        public static final Variant HEALTHY = new Variant(null, null, null, null, null, null, null, null, null);

        public Variant {
            latencyMs = latencyMs == null ? Latency.DEFAULT : latencyMs;
            errorRate = errorRate == null ? 0.002 : errorRate;
            failureClasses = failureClasses == null ? Map.of("5xx:UpstreamTimeout", 1.0) : Map.copyOf(failureClasses);
            cacheHitRatio = cacheHitRatio == null ? 0.6 : cacheHitRatio;
            rag = rag == null ? Json.MAPPER.createObjectNode() : rag;
            schemaViolationRate = schemaViolationRate == null ? 0.0 : schemaViolationRate;
            indexHashByRegion = indexHashByRegion == null ? Map.of() : Map.copyOf(indexHashByRegion);
            egress = egress == null ? Egress.HEALTHY : egress;
        }
    }

    /**
     * The billing webhook's simulated volume: one emission per answered request of the simulated traffic. Partner
     * posts, duplicates and the shadow match are never simulated (the rehearsal counts them from real posts).
     *
     * @param failureRate share of emissions the partner never accepted, after every retry
     * @param retryRate   share of emissions that needed one retry (two tries)
     * @param ageMs       request start to acceptance, log-normal with this median and p95
     */
    public record Egress(Double failureRate, Double retryRate, Latency ageMs) {
        public static final Egress HEALTHY = new Egress(null, null, null);

        public Egress {
            failureRate = failureRate == null ? 0.001 : failureRate;
            retryRate = retryRate == null ? 0.01 : retryRate;
            ageMs = ageMs == null ? new Latency(60, 150) : ageMs;
        }
    }

    public record Latency(double median, double p95) {
        public static final Latency DEFAULT = new Latency(180, 420);
    }

    /** @param throttling control plane calls throttled at given stages */
    public record ControlPlane(List<Throttle> throttling) {
        public static final ControlPlane CALM = new ControlPlane(List.of());

        public ControlPlane {
            throttling = List.copyOf(throttling);
        }
    }

    /**
     * The first {@code times} {@code call}s made while the rollout is at {@code stage} are throttled (UpdateAlias and
     * GetAlias with HTTP 429, DynamoDB operations with ProvisionedThroughputExceededException). The rollout is at a
     * stage from the start of that stage's first execution until the next stage's starts, so its extensions, its
     * promotion window and the rollout machine's work in between (the next stage's approval, a rollback, the
     * promotion) share the budget.
     *
     * @param stage a stage of the plan that runs a stage execution (not the promotion to 100 %)
     * @param call  one of {@link ControlPlaneThrottling#CALLS}, e.g. {@code UpdateAlias} or {@code DynamoDB.PutItem}
     */
    public record Throttle(String stage, String call, int times) {
    }

    /**
     * StopExecution on the rollout when {@code stage} starts (on entry to the stage machine's first state), or on entry
     * to {@code state} of that stage's first execution. The cleanup a stopped execution gets then rolls the canary
     * back to weight 0 and releases the lock, with {@link #reason()} in the ledger.
     *
     * @param stage a stage of the plan that runs a stage execution (not the promotion to 100 %)
     * @param state a state of {@code statemachine/stage.asl.json}, or null
     */
    public record Abort(String stage, String state) {
        /** What the stop says, as {@code ./canary abort --reason} would: it reaches the ledger through the cleanup. */
        public String reason() {
            return "scenario abort: stopped " + (state == null ? "when stage " + stage + " started"
                    : "on entry to \"" + state + "\" at stage " + stage);
        }
    }

    /**
     * Another rollout of the same function and alias (the next canary version, under that version's default rollout
     * id) is started when the first execution of {@code duringStage} starts, and run to its end before that stage
     * goes on: it must be refused (the first holds the alias lock) and change nothing.
     *
     * @param duringStage a stage of the plan that runs a stage execution (not the promotion to 100 %)
     */
    public record SecondRollout(String duringStage) {
    }

    /**
     * Reads a scenario file and checks it against {@code baseStartInput}, the start input its {@code startInput} fields
     * are laid over, and the stage machine's state names; see {@link ScenarioParser}.
     *
     * @throws InvalidInputException naming every bad field by its JSON path
     */
    public static Scenario read(Path file, JsonNode baseStartInput, Set<String> stageMachineStates) {
        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read scenario " + file + ": " + e.getMessage(), e);
        }
        JsonNode root = Contract.SCENARIO.parse("scenario " + file, text);
        return ScenarioParser.parse(name, "scenario " + file, root, baseStartInput,
                stageMachineStates);
    }

    /** {@code base} with this scenario's start-input fields laid over it (objects such as thresholds field by field). */
    public ObjectNode startInputOver(JsonNode base) {
        return overlay(base, startInput);
    }

    static ObjectNode overlay(JsonNode base, ObjectNode fields) {
        ObjectNode merged = base.deepCopy();
        fields.fields().forEachRemaining(e -> {
            if (e.getValue().isObject() && merged.path(e.getKey()).isObject()) {
                ((ObjectNode) merged.get(e.getKey())).setAll((ObjectNode) e.getValue().deepCopy());
            } else {
                merged.set(e.getKey(), e.getValue());
            }
        });
        return merged;
    }
}
