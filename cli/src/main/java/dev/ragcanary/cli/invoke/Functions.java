package dev.ragcanary.cli.invoke;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The deployable functions (PREAMBLE table): name, module and handler class. */
enum Functions {
    WEIGHT_SHIFTER("weight-shifter", "dev.ragcanary.shifter.WeightShifterHandler"),
    PROBE_REPLAY("probe-replay", "dev.ragcanary.replay.ProbeReplayHandler"),
    GATE_EVALUATION("gate-evaluation", "dev.ragcanary.gate.GateEvaluationHandler"),
    TRAFFIC_ROUTER("traffic-router", "dev.ragcanary.router.TrafficRouterHandler"),
    SAMPLE_RAG_TARGET("sample-rag-target", "dev.ragcanary.sample.SampleRagHandler");

    final String functionName;
    final String handlerClass;

    Functions(String functionName, String handlerClass) {
        this.functionName = functionName;
        this.handlerClass = handlerClass;
    }

    static Optional<Functions> named(String name) {
        return Arrays.stream(values()).filter(f -> f.functionName.equals(name)).findFirst();
    }

    static String names() {
        return Arrays.stream(values()).map(f -> f.functionName).collect(Collectors.joining(", "));
    }
}
