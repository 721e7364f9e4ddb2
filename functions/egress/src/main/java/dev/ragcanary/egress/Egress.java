package dev.ragcanary.egress;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Webhooks and other partner posts from a RAG function during a canary rollout. Build one per execution environment
 * (it holds the HTTP client), then one {@link EgressRequest} per request:
 *
 * <pre>{@code
 * static final Egress EGRESS = Egress.fromEnvironment(DynamoDbClient.create(), System.getenv());
 * ...
 * EgressRequest egress = EGRESS.request(RequestContext.fromEvent(event, context.getAwsRequestId(), started));
 * egress.post(BILLING, payload, List.of("requestId"));
 * response.set("egress", egress.toJson());
 * }</pre>
 *
 * A shadow request's emissions go to the canary sink, never to a partner; a live request's reach the partner at most
 * once per dedupe key across both variants and every retry (see the module's README).
 */
public final class Egress {
    /** Environment variables {@link #fromEnvironment} reads. */
    public static final String CLAIMS_TABLE = "EGRESS_CLAIMS_TABLE";
    public static final String SINK_TABLE = "EGRESS_SINK_TABLE";
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofDays(7);
    public static final Duration DEFAULT_SINK_RETENTION = Duration.ofDays(14);

    private final Claims claims;
    private final CanarySink sink;
    private final PartnerPoster poster;
    private final String functionName;
    private final String functionVersion;
    private final Clock clock;

    private Egress(Builder b) {
        DynamoDbClient dynamo = Objects.requireNonNull(b.dynamo, "dynamoDb");
        this.clock = b.clock;
        this.claims = new Claims(dynamo, required("claimsTable", b.claimsTable), b.retry.lease(), b.dedupeWindow,
                clock);
        this.sink = new CanarySink(dynamo, required("sinkTable", b.sinkTable), b.sinkRetention);
        HttpClient http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.retry.timeout())
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        this.poster = new PartnerPoster(http, b.retry, clock);
        this.functionName = required("functionName", b.functionName);
        this.functionVersion = b.functionVersion;
    }

    /**
     * From the Lambda environment: {@value #CLAIMS_TABLE} and {@value #SINK_TABLE} (the stack's outputs), the
     * function's name and version from {@code AWS_LAMBDA_FUNCTION_NAME} and {@code AWS_LAMBDA_FUNCTION_VERSION}.
     *
     * @throws IllegalArgumentException naming each missing variable
     */
    public static Egress fromEnvironment(DynamoDbClient dynamo, Map<String, String> env) {
        StringBuilder missing = new StringBuilder();
        for (String name : new String[] {CLAIMS_TABLE, SINK_TABLE, "AWS_LAMBDA_FUNCTION_NAME"}) {
            if (env.getOrDefault(name, "").isBlank()) {
                missing.append(missing.isEmpty() ? "" : ", ").append(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("egress needs the environment variable(s) " + missing);
        }
        return builder().dynamoDb(dynamo).claimsTable(env.get(CLAIMS_TABLE)).sinkTable(env.get(SINK_TABLE))
                .function(env.get("AWS_LAMBDA_FUNCTION_NAME"), env.get("AWS_LAMBDA_FUNCTION_VERSION")).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The emissions of one request. */
    public EgressRequest request(RequestContext context) {
        return new EgressRequest(this, Objects.requireNonNull(context, "context"));
    }

    Claims claims() {
        return claims;
    }

    CanarySink sink() {
        return sink;
    }

    PartnerPoster poster() {
        return poster;
    }

    /**
     * The clock every time of an emission comes from: take the request's start from it too
     * ({@link RequestContext#startedAt}), so ages and sink times are in one time.
     */
    public Clock clock() {
        return clock;
    }

    /**
     * "function:version" for the sink's index: the version Lambda runs, or, for {@code $LATEST} or outside Lambda,
     * the qualifier the router says it invoked.
     */
    String functionVersion(RequestContext request) {
        String version = functionVersion == null || functionVersion.isBlank() || "$LATEST".equals(functionVersion)
                ? request.qualifier() : functionVersion;
        return functionName + ":" + (version == null || version.isBlank() ? "$LATEST" : version);
    }

    private static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    public static final class Builder {
        private DynamoDbClient dynamo;
        private String claimsTable;
        private String sinkTable;
        private String functionName;
        private String functionVersion;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private Duration dedupeWindow = DEFAULT_DEDUPE_WINDOW;
        private Duration sinkRetention = DEFAULT_SINK_RETENTION;
        private HttpClient http;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        public Builder dynamoDb(DynamoDbClient dynamo) {
            this.dynamo = dynamo;
            return this;
        }

        public Builder claimsTable(String name) {
            this.claimsTable = name;
            return this;
        }

        public Builder sinkTable(String name) {
            this.sinkTable = name;
            return this;
        }

        /** @param version the published version running; null or $LATEST to take the router's {@code x-variant} */
        public Builder function(String name, String version) {
            this.functionName = name;
            this.functionVersion = version;
            return this;
        }

        public Builder retry(RetryPolicy policy) {
            this.retry = Objects.requireNonNull(policy, "retry");
            return this;
        }

        /** How long a posted key stays claimed (DynamoDB TTL): the same key is posted again only after it. */
        public Builder dedupeWindow(Duration window) {
            this.dedupeWindow = Objects.requireNonNull(window, "dedupeWindow");
            return this;
        }

        /** How long the sink keeps a shadow emission (DynamoDB TTL). */
        public Builder sinkRetention(Duration retention) {
            this.sinkRetention = Objects.requireNonNull(retention, "sinkRetention");
            return this;
        }

        public Builder httpClient(HttpClient client) {
            this.http = client;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Egress build() {
            return new Egress(this);
        }
    }
}
