package dev.ragcanary.infra;

import software.amazon.awscdk.Duration;

/**
 * The controller's Lambda functions: module, shaded jar and handler class (the shared contract), and the size
 * each one needs for its work.
 */
public enum ControllerFunction {
    /**
     * Control-plane calls and small DynamoDB writes, no retries inside (the state machine owns them): 30 s, below
     * its Tasks' 45 s, so no invocation outlives its task.
     */
    WEIGHT_SHIFTER("WeightShifter", "weight-shifter", "weight-shifter.jar",
            "dev.ragcanary.shifter.WeightShifterHandler", 512, Duration.seconds(30),
            "Shifts the canary weight on the target alias and records rollout state and ledger"),
    /**
     * Replays up to 2,400 invocations and embeds every answer in process (MiniLM): CPU and memory bound. Lambda's
     * longest timeout, 900 s: a page stops starting calls before it and the stage machine runs the next page.
     */
    PROBE_REPLAY("ProbeReplay", "probe-replay", "probe-replay.jar",
            "dev.ragcanary.replay.ProbeReplayHandler", 3008, Duration.minutes(15),
            "Replays the gold probe set against control and canary and scores ΔS, coverage and λ"),
    /** Reads metrics and the probe summary, runs the judge: moderate CPU, bounded by metric queries. */
    GATE_EVALUATION("GateEvaluation", "gate-evaluation", "gate-evaluation.jar",
            "dev.ragcanary.gate.GateEvaluationHandler", 1024, Duration.minutes(2),
            "Judges a stage from live metrics and the probe summary"),
    /** On the user's request path: the timeout covers the RAG function's own answer time. */
    TRAFFIC_ROUTER("TrafficRouter", "traffic-router", "traffic-router.jar",
            "dev.ragcanary.router.TrafficRouterHandler", 1024, Duration.seconds(30),
            "Routes each request to a sticky variant and emits telemetry"),
    /** The demo target (only with the demoTarget context flag). */
    SAMPLE_RAG_TARGET("SampleRagTarget", "sample-rag-target", "sample-rag-target.jar",
            "dev.ragcanary.sample.SampleRagHandler", 1024, Duration.seconds(30),
            "Sample RAG target (Lucene BM25 over the bundled corpus)");

    private final String id;
    private final String module;
    private final String jar;
    private final String handler;
    private final int memoryMb;
    private final Duration timeout;
    private final String description;

    ControllerFunction(String id, String module, String jar, String handler, int memoryMb, Duration timeout,
                       String description) {
        this.id = id;
        this.module = module;
        this.jar = jar;
        this.handler = handler;
        this.memoryMb = memoryMb;
        this.timeout = timeout;
        this.description = description;
    }

    /** Construct id, also used in substitution names ({@code ${WeightShifterFunctionArn}}). */
    public String id() {
        return id;
    }

    /** Maven module folder under functions/. */
    public String module() {
        return module;
    }

    /** Shaded jar file name (maven-shade finalName + .jar). */
    public String jar() {
        return jar;
    }

    public String handler() {
        return handler + "::handleRequest";
    }

    public int memoryMb() {
        return memoryMb;
    }

    public Duration timeout() {
        return timeout;
    }

    public String description() {
        return description;
    }
}
