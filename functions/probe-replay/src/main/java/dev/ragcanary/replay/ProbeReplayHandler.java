package dev.ragcanary.replay;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.aws.TransientFailures;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.probe.ProbeReplayService;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ReplayBudget;
import dev.ragcanary.core.probe.ReplayContinuation;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;
import dev.ragcanary.core.rollout.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Probe replay for one stage, in pages: {@code {"rollout": <the plan>, "stage": "five", "controlVersion":
 * "41", "continuation": null}} in, {@code {"complete", "continuation", "summary": <ProbeSummary>}} out (full detail
 * in the evidence store under the summary's {@code evidenceKey}). A page starts calls only while the invocation's
 * remaining time allows; when calls are left it returns a continuation, which the stage machine passes back in for
 * the next page, until the replay is complete or out of pages (the summary is then marked incomplete).
 */
public final class ProbeReplayHandler implements RequestStreamHandler {
    private static final DateTimeFormatter KEY_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    /**
     * What the handler needs, built by {@link DependencyFactory} on Lambda and by hand in tests.
     *
     * @param targets   the probe target for a function in a region
     * @param probeSets loads and validates the probe set at a location (s3:// or a path)
     */
    public record Dependencies(ProbeTargets targets, Embedder embedder, EvidenceStore evidence,
                               Function<String, ProbeSet> probeSets, ReplayOptions options, Clock clock) {
    }

    /** The probe target for {@code functionName} in {@code region}: Lambda numbers versions per region. */
    @FunctionalInterface
    public interface ProbeTargets {
        ProbeTarget in(String region, String functionName);
    }

    /**
     * One page's answer to the stage machine.
     *
     * @param complete     every planned call was measured
     * @param continuation the next page's input, absent when there is none (complete, or out of pages)
     * @param summary      everything measured so far, for the gate; marked incomplete when not complete
     */
    public record Page(boolean complete, ReplayContinuation continuation, ProbeSummary summary) {
    }

    private final Dependencies deps;

    /** Lambda entry point: clients and the embedding model are built once per execution environment. */
    public ProbeReplayHandler() {
        this(DependencyFactory.fromEnvironment().dependencies());
    }

    public ProbeReplayHandler(Dependencies deps) {
        this.deps = deps;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request = Contract.PROBE_REPLAY_INPUT.parse(new String(input.readAllBytes(), StandardCharsets.UTF_8));
        ReplayBudget budget = ReplayBudget.ofRemainingTime(context::getRemainingTimeInMillis, deps.options());
        Page page = TransientFailures.reportingTransient(() -> handle(request, budget));
        output.write(Json.compact(page).getBytes(StandardCharsets.UTF_8));
    }

    Page handle(JsonNode input, ReplayBudget budget) {
        List<Problem> problems = new ArrayList<>(Contract.PROBE_REPLAY_INPUT.problems(input));
        RolloutRequest plan = input.path("rollout").isObject()
                ? RolloutRequestParser.bindPlan(input.get("rollout"), "$.rollout", problems) : null;
        String stage = input.path("stage").asText();
        if (plan != null && plan.stage(stage).isEmpty()) {
            problems.add(new Problem("$.stage", "names no stage of the plan: \"" + stage + "\"; stages are "
                    + plan.stages().stream().map(Stage::name).toList()));
        }
        JsonNode continuation = input.path("continuation");
        int page = continuation.path("page").asInt(1);
        if (page > deps.options().maxPages()) {
            problems.add(new Problem("$.continuation.page", "must be at most " + deps.options().maxPages()
                    + " (PROBE_MAX_PAGES) but was " + page));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(Contract.PROBE_REPLAY_INPUT.what(), problems);
        }
        String controlVersion = input.get("controlVersion").asText();
        String purpose = input.path("purpose").asText("stage");
        String continuedKey = continuation.path("evidenceKey").asText(null);
        // Like the gate's looks, the promotion window's replay is kept beside the stage's own.
        String keyPrefix = "rollouts/" + plan.rolloutId() + "/probes/" + stage + "/" + ("stage".equals(purpose) ? "" : purpose + "-");
        if (continuedKey != null && !(continuedKey.startsWith(keyPrefix) && continuedKey.endsWith(".json"))) {
            throw new InvalidInputException("probe replay input", List.of(new Problem("$.continuation.evidenceKey",
                    "must be a replay of this rollout, stage and purpose (" + keyPrefix + "*.json) but was \"" + continuedKey + "\"")));
        }
        String evidenceKey = continuedKey != null ? continuedKey : keyPrefix + KEY_TIME.format(deps.clock().instant()) + ".json";
        ProbeSet probes = deps.probeSets().apply(plan.probeSet());
        // The control version is the pilot region's (the state's), so the canary and the region invoked are too.
        ProbeReplayService service = new ProbeReplayService(deps.targets().in(plan.pilotRegion(),
                plan.target().functionName()), deps.embedder(), deps.evidence(), deps.options());
        String canaryVersion = plan.target().canaryVersionIn(plan.pilotRegion());
        ProbeReplayService.Result result = service.replay(new ProbeReplayService.Request(probes, controlVersion,
                canaryVersion, plan.thresholds(), evidenceKey), page, budget);
        return new Page(result.complete(), result.continuation(), result.summary());
    }
}
