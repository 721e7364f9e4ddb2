package dev.ragcanary.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.adapters.edge.CloudflareKvPublisher;
import dev.ragcanary.adapters.edge.EdgeConfigPublishers;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.EvidenceStore;
import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.rollout.EdgeTarget;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Local stand-ins for the service integrations with no local engine, served on the local Lambda endpoint under the
 * names run-execution.mjs maps them to.
 */
final class LocalStandIns {
    private LocalStandIns() {
    }

    /**
     * {@code sns:publish.waitForTaskToken}: a person's answer, decided by the scenario's policy at once. {@code timeout}
     * fails the task with {@code States.Timeout}, as Step Functions does when no answer comes within the timeout.
     */
    static RequestStreamHandler approvals(String policy) {
        return (in, out, context) -> {
            JsonNode request = Json.MAPPER.readTree(in);
            if ("timeout".equals(policy)) {
                throw new LocalLambdaEndpoint.NamedFunctionError("States.Timeout",
                        "no answer to the approval request for stage " + request.path("Message").path("stage").asText());
            }
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put("approved", "approve".equals(policy));
            answer.put("by", "local approval policy (" + policy + ")");
            out.write(Json.compact(answer).getBytes(StandardCharsets.UTF_8));
        };
    }

    /**
     * {@code aws-sdk:sfn:describeExecution}: the DescribeExecution response fields the rollout machine reads
     * ({@code ExecutionArn}, {@code Status}; {@code Output} as a JSON string once SUCCEEDED; {@code Error} and
     * {@code Cause} when the execution gave them), from the executions started locally. An unknown ARN fails like
     * Step Functions' ExecutionDoesNotExist.
     */
    static RequestStreamHandler describeExecution(Function<String, Optional<LocalExecution>> executions) {
        return (in, out, context) -> {
            String arn = Json.MAPPER.readTree(in).path("ExecutionArn").asText();
            LocalExecution execution = executions.apply(arn).orElseThrow(() -> new LocalLambdaEndpoint.NamedFunctionError(
                    "Sfn.ExecutionDoesNotExistException", "Execution Does Not Exist: '" + arn + "'"));
            ObjectNode response = Json.MAPPER.createObjectNode();
            response.put("ExecutionArn", arn);
            Optional<ExecutionResult> ended = execution.endedWith();
            // A broken runner (RUNNER_ERROR) is, to anyone describing the execution, a failed one.
            response.put("Status", ended.map(r -> r.status().equals("RUNNER_ERROR") ? "FAILED" : r.status())
                    .orElse("RUNNING"));
            ended.ifPresent(result -> {
                if (result.output() != null) {
                    response.put("Output", Json.compact(result.output()));
                }
                if (result.error() != null) {
                    response.put("Error", result.error());
                }
                if (result.cause() != null) {
                    response.put("Cause", result.cause());
                }
            });
            out.write(Json.compact(response).getBytes(StandardCharsets.UTF_8));
        };
    }

    /** {@code aws-sdk:s3:putObject} into the evidence bucket: the object goes to the local evidence folder. */
    static RequestStreamHandler evidenceArchive(EvidenceStore evidence) {
        return (in, out, context) -> {
            JsonNode request = Json.MAPPER.readTree(in);
            JsonNode body = request.path("Body");
            String json = body.isTextual() ? body.asText() : Json.pretty(body);
            evidence.put(request.path("Key").asText(), json);
            ObjectNode response = Json.MAPPER.createObjectNode();
            response.put("ETag", "\"" + Integer.toHexString(json.hashCode()) + "\"");
            out.write(Json.compact(response).getBytes(StandardCharsets.UTF_8));
        };
    }

    /**
     * The weight shifter's edge publisher: the real Workers KV adapter on the {@link LocalCloudflareKv} stand-in, with
     * {@link #edgeTokens()} for Secrets Manager. Other platforms have no local stand-in: a plan naming one is refused
     * by the edge's name at the first publish, as a controller without their adapter refuses it.
     */
    static EdgeConfigPublisher edges(LocalCloudflareKv cloudflare) {
        return new EdgeConfigPublishers(Map.of(EdgeTarget.CLOUDFLARE_KV, new CloudflareKvPublisher(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), edgeTokens(), cloudflare.base())));
    }

    /** {@code secretsmanager:GetSecretValue} of an edge's token secret: whatever the ARN, the stand-ins' token. */
    static SecretReader edgeTokens() {
        return secretArn -> LocalCloudflareKv.TOKEN;
    }
}
