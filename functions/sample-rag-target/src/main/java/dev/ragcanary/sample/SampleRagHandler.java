package dev.ragcanary.sample;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.aws.AwsClients;
import dev.ragcanary.core.json.Contract;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.egress.Egress;
import dev.ragcanary.egress.EgressRequest;
import dev.ragcanary.egress.RequestContext;
import dev.ragcanary.egress.Webhook;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The sample RAG function on Lambda. Input {@code {"question": "...", "seed": 1}}, or the router's HTTP event with that
 * as its body; output the RAG data contract. Behaviour comes from RAG_* environment variables (see
 * {@link SampleRagConfig#fromEnv}), so two published versions with different settings make a real control and canary.
 * Injected errors and added latency are real function errors and real delays. With {@value #PARTNER_URL} set, each
 * answered question posts a {@code billing} event through the egress library and the response carries the emissions
 * in its {@code egress} array.
 */
public final class SampleRagHandler implements RequestStreamHandler {
    public static final String PARTNER_URL = "PARTNER_WEBHOOK_URL";
    /** What identifies a billing event: the same request's question, in whichever variant answers it. */
    static final List<String> BILLING_IDENTITY = List.of("requestId", "question");

    private final SampleRag rag;
    private final Egress egress;
    private final Webhook billing;

    /** Lambda entry point: configured from the environment; the index is built once per execution environment. */
    public SampleRagHandler() {
        this(new SampleRag(SampleRagConfig.fromEnv(System.getenv())), System.getenv());
    }

    /** Without a partner: no egress. */
    public SampleRagHandler(SampleRag rag) {
        this(rag, null, null);
    }

    private SampleRagHandler(SampleRag rag, Map<String, String> env) {
        this(rag, partnerUrl(env) == null ? null
                : Egress.fromEnvironment(AwsClients.build(DynamoDbClient.builder(), "dynamodb"), env),
                partnerUrl(env) == null ? null : Webhook.of("billing", partnerUrl(env)));
    }

    /** @param egress null for no egress (then {@code billing} is ignored) */
    public SampleRagHandler(SampleRag rag, Egress egress, Webhook billing) {
        this.rag = rag;
        this.egress = egress;
        this.billing = billing;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        // The library's clock, not the machine's: ages are measured from here with the times the library takes.
        Instant started = egress == null ? null : egress.clock().instant();
        byte[] received = input.readAllBytes();
        JsonNode event = Json.MAPPER.readTree(received);
        boolean fromRouter = event != null && event.isObject() && event.has("requestContext");
        JsonNode request = Contract.RAG_REQUEST.read(fromRouter ? body(event) : received);
        String question = request.get("question").asText();
        long seed = request.path("seed").asLong(0);
        long latency = rag.config().latencyMs();
        if (latency > 0) {
            try {
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during configured latency", e);
            }
        }
        ObjectNode answer = rag.answer(question, seed);
        if (egress != null) {
            String lambdaRequestId = context != null ? context.getAwsRequestId() : "local-" + UUID.randomUUID();
            RequestContext requestContext = RequestContext.fromEvent(fromRouter ? event : null, lambdaRequestId,
                    started);
            EgressRequest emissions = egress.request(requestContext);
            emissions.post(billing, Json.MAPPER.createObjectNode().put("event", "answered_question")
                    .put("requestId", requestContext.ownerId()).put("question", question).put("units", 1),
                    BILLING_IDENTITY);
            answer = answer.deepCopy().set("egress", emissions.toJson());
        }
        output.write(Json.compact(answer).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] body(JsonNode event) {
        String body = event.path("body").asText("{}");
        return event.path("isBase64Encoded").asBoolean(false) ? Base64.getDecoder().decode(body)
                : body.getBytes(StandardCharsets.UTF_8);
    }

    private static String partnerUrl(Map<String, String> env) {
        String url = env.get(PARTNER_URL);
        return url == null || url.isBlank() ? null : url;
    }
}
