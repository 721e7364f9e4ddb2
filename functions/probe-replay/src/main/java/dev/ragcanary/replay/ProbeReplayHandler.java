package dev.ragcanary.replay;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.aws.TransientFailures;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.ProbeTarget;
import dev.ragcanary.core.probe.ProbeReplayService;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ReplayBudget;
import dev.ragcanary.core.probe.ReplayContinuation;
import dev.ragcanary.core.probe.ReplayOptions;
import dev.ragcanary.core.rollout.RolloutRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
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
        ProbeReplayInput in = ProbeReplayInput.parse(input, deps.options().maxPages());
        RolloutRequest plan = in.plan();
        String evidenceKey = in.continuedKey() != null ? in.continuedKey()
                : in.keyPrefix() + KEY_TIME.format(deps.clock().instant()) + ".json";
        ProbeSet probes = deps.probeSets().apply(plan.probeSet());
        // The control version is the pilot region's (the state's), so the canary and the region invoked are too.
        ProbeReplayService service = new ProbeReplayService(deps.targets().in(plan.pilotRegion(),
                plan.target().functionName()), deps.embedder(), deps.evidence(), deps.options());
        String canaryVersion = plan.target().canaryVersionIn(plan.pilotRegion());
        ProbeReplayService.Result result = service.replay(new ProbeReplayService.Request(probes, in.controlVersion(),
                canaryVersion, plan.thresholds(), evidenceKey), in.page(), budget);
        return new Page(result.complete(), result.continuation(), result.summary());
    }
}
