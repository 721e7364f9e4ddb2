package dev.ragcanary.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.Embedder;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.FunctionVersions;
import dev.ragcanary.core.ports.MetricsSource;
import dev.ragcanary.core.ports.ProbeTarget;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * What a local rollout runs against besides the real state machines, handlers and DynamoDB: the Lambda control plane,
 * live metrics, the RAG versions the probes call, the embedder, the evidence bucket, the person who answers
 * approvals and the edge config stores. The rehearsal uses the simulated fleet; the fault matrix uses small in-memory parts it can break.
 *
 * @param approvals   the {@code sns:publish.waitForTaskToken} stand-in: returns the person's answer
 * @param dynamoDb    sees every DynamoDB call of the handlers (throttling, injected faults)
 * @param stages      told when each stage execution starts, before any of its Tasks runs
 * @param invocations wraps each function served on the local Lambda endpoint (injected invoke faults)
 * @param edges       the edge config stores the weight shifter publishes to
 */
public record LocalBackends(AliasControl aliases, FunctionVersions versions, MetricsSource metrics,
                            ProbeTarget probeTarget, Embedder embedder, EvidenceStore evidence,
                            RequestStreamHandler approvals, ExecutionInterceptor dynamoDb, StageWatcher stages,
                            Invocations invocations, EdgeConfigPublisher edges) {

    /** Hears which stage a stage execution runs, before its first state. */
    @FunctionalInterface
    public interface StageWatcher {
        StageWatcher NONE = (execution, stage) -> { };

        void stageStarted(String execution, String stage);
    }

    /** Decorates the handler that answers invocations of {@code functionName}. */
    @FunctionalInterface
    public interface Invocations {
        Invocations DIRECT = (functionName, handler) -> handler;

        RequestStreamHandler around(String functionName, RequestStreamHandler handler);
    }
}
