package dev.ragcanary.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.VersionInvoker;
import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RouteDecision;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.core.traffic.StickyRouter;
import dev.ragcanary.core.traffic.Variant;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The router as a library: takes an HTTP request in the API Gateway HTTP API v2 / Function URL event format (any
 * front door can build one), resolves the variant, invokes that version by qualifier, returns its response unchanged
 * plus an {@code x-exp} header naming the variant, and writes one telemetry line. Routing never fails a request: one
 * the router cannot read is still invoked (as a fallback, reason UNPARSEABLE) and logged. The only request it refuses
 * is one without the caller's identity when the identity settings require one (401).
 */
public final class TrafficRouter {
    private final StickyRouter router;
    private final VersionInvoker invoker;
    private final Telemetry telemetry;
    private final DownstreamPayload payloadMode;
    private final IdentitySettings identity;
    private final Clock clock;
    private final AtomicBoolean coldStart = new AtomicBoolean(true);

    /** @param identity where the caller's identity comes from, and whether a request needs one */
    public TrafficRouter(StickyRouter router, VersionInvoker invoker, Telemetry telemetry,
                         DownstreamPayload payloadMode, IdentitySettings identity, Clock clock) {
        this.router = router;
        this.invoker = invoker;
        this.telemetry = telemetry;
        this.payloadMode = payloadMode;
        this.identity = identity;
        this.clock = clock;
    }

    /**
     * Routes one request; returns an HTTP API v2 response object. A warm-up ping ({@link WarmPing}) goes to every
     * version users can reach now and returns what each answered.
     *
     * @param received the event; null, or anything but an object, for input that was not an event
     */
    public ObjectNode handle(JsonNode received) {
        long started = System.nanoTime();
        boolean routerCold = coldStart.getAndSet(false);
        if (WarmPing.matches(received)) {
            return warmUp(WarmPing.event(received), started, routerCold);
        }
        HttpEvent event = HttpEvent.read(received, identity);
        if (identity.required() && event.caller().isEmpty()) {
            return refuseWithoutIdentity(event);
        }
        RouteRequest request = new RouteRequest(event.headers(), event::bodyJson, event.caller().tenant());
        RouteDecision decision = event.malformed() ? router.routeUnparseable() : router.route(request);
        return serve(event, decision, started, routerCold);
    }

    private ObjectNode warmUp(HttpEvent ping, long started, boolean routerCold) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("source", WarmPing.SOURCE);
        ArrayNode warmed = answer.putArray("warmed");
        for (RouteDecision target : router.warmUp()) {
            ObjectNode response = serve(ping, target, started, routerCold);
            warmed.addObject().put("qualifier", target.qualifier()).put("variant", target.variant().label())
                    .put("statusCode", response.path("statusCode").asInt());
        }
        return answer;
    }

    /** 401 naming where the identity was expected; logged, never invoked, never counted. */
    private ObjectNode refuseWithoutIdentity(HttpEvent event) {
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("statusCode", 401);
        response.putObject("headers").put("content-type", "application/json");
        response.put("body", Json.compact(Map.of("message", "the router needs the caller's identity",
                "expected", identity.expected())));
        telemetry.refused(clock.instant(), event.route(), 401, "NO_IDENTITY");
        return response;
    }

    /** Invokes the decided version, writes the telemetry line and returns the function's response. */
    private ObjectNode serve(HttpEvent event, RouteDecision decision, long started, boolean routerCold) {
        Optional<RolloutState> state = router.currentState();
        byte[] payload = downstreamPayload(event, decision, false);
        long invokeStarted = System.nanoTime();
        VersionInvoker.Invocation invocation;
        try {
            invocation = invoker.invoke(decision.qualifier(), payload);
        } catch (RuntimeException unreachable) {
            invocation = new VersionInvoker.Invocation(502, Json.compact(Map.of("errorType", "InvokeFailed",
                    "errorMessage", String.valueOf(unreachable.getMessage()))).getBytes(StandardCharsets.UTF_8),
                    "InvokeFailed", null);
        }
        double invokeMs = (System.nanoTime() - invokeStarted) / 1e6;
        boolean mirrored = decision.mirrorToCanary() && mirror(event, decision);

        String version = invocation.executedVersion() != null ? invocation.executedVersion()
                : decision.variant() == Variant.ALIAS ? null : decision.qualifier();
        String variant = variantLabel(decision, version, state, router.region());
        ObjectNode response = response(invocation, variant);
        JsonNode rag = ragBody(invocation, response);
        removeEgressFromUsersBody(response, rag);
        String failureClass = failureClass(invocation, response, rag);
        boolean downstreamCold = "true".equalsIgnoreCase(response.path("headers").path("x-cold-start").asText())
                || rag != null && rag.path("cold_start").asBoolean(false);
        double latencyMs = (System.nanoTime() - started) / 1e6;
        telemetry.record(new Telemetry.Observation(clock.instant(), event.route(), decision, variant, version,
                routerCold || downstreamCold, latencyMs, invokeMs, response.path("statusCode").asInt(200), failureClass,
                rag, event.edgePop(), mirrored, prefixCollision(variant, rag, state)));
        return response;
    }

    private boolean mirror(HttpEvent event, RouteDecision decision) {
        try {
            invoker.invokeAsync(decision.canaryQualifier(), downstreamPayload(event, decision, true));
            return true;
        } catch (RuntimeException lost) {
            return false; // shadow traffic is best effort: the user already has the control's answer
        }
    }

    private byte[] downstreamPayload(HttpEvent event, RouteDecision decision, boolean shadow) {
        if (payloadMode == DownstreamPayload.BODY) {
            return (event.body() == null ? "{}" : event.body()).getBytes(StandardCharsets.UTF_8);
        }
        return Json.compact(routedEvent(event.raw(), decision, shadow)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The event a routed version receives ({@link DownstreamPayload#EVENT}): a copy of {@code raw} with the variant
     * headers the egress library reads ({@code x-exp}, {@code x-variant}, {@code x-sticky}, and {@code x-shadow} on the
     * mirrored copy).
     */
    public static ObjectNode routedEvent(JsonNode raw, RouteDecision decision, boolean shadow) {
        ObjectNode copy = raw.deepCopy();
        ObjectNode headers = copy.has("headers") && copy.get("headers").isObject()
                ? (ObjectNode) copy.get("headers") : copy.putObject("headers");
        headers.put("x-exp", shadow ? Variant.CANARY.label() : decision.variant().label());
        headers.put("x-variant", shadow ? decision.canaryQualifier() : decision.qualifier());
        if (decision.stickyKey() != null) {
            headers.put("x-sticky", decision.stickyKey());
        }
        if (shadow) {
            headers.put("x-shadow", "true");
        }
        return copy;
    }

    /** The function's own HTTP response if it returned one, else its JSON wrapped as a 200; errors become 502. */
    private static ObjectNode response(VersionInvoker.Invocation invocation, String variant) {
        ObjectNode response;
        JsonNode payload = parseQuietly(new String(invocation.payload(), StandardCharsets.UTF_8));
        if (invocation.failed()) {
            response = Json.MAPPER.createObjectNode();
            response.put("statusCode", invocation.statusCode() == 429 ? 429 : 502);
            response.putObject("headers").put("content-type", "application/json");
            response.put("body", Json.compact(Map.of("message", "the routed function failed",
                    "errorType", errorType(invocation, payload))));
        } else if (payload != null && payload.isObject() && payload.has("statusCode")) {
            response = (ObjectNode) payload;
            if (!response.path("headers").isObject()) {
                response.putObject("headers");
            }
        } else {
            response = Json.MAPPER.createObjectNode();
            response.put("statusCode", 200);
            response.putObject("headers").put("content-type", "application/json");
            response.put("body", new String(invocation.payload(), StandardCharsets.UTF_8));
        }
        ((ObjectNode) response.get("headers")).put("x-exp", variant);
        return response;
    }

    private static JsonNode ragBody(VersionInvoker.Invocation invocation, ObjectNode response) {
        if (invocation.failed()) {
            return null;
        }
        JsonNode body = response.get("body");
        if (body == null) {
            return null;
        }
        if (body.isObject()) {
            return body;
        }
        if (!response.path("isBase64Encoded").asBoolean(false)) {
            return parseQuietly(body.asText());
        }
        try {
            return parseQuietly(new String(Base64.getDecoder().decode(body.asText()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException notBase64) {
            return null; // the caller still gets the reply as it was sent; only its telemetry fields are missing
        }
    }

    /**
     * The function's emissions (its {@code egress} array) are for the telemetry line, not for the user: the body the
     * user gets is the function's without them, in the encoding the function used.
     */
    private static void removeEgressFromUsersBody(ObjectNode response, JsonNode rag) {
        if (rag == null || !rag.isObject() || !rag.has("egress")) {
            return;
        }
        ObjectNode usersBody = ((ObjectNode) rag).deepCopy();
        usersBody.remove("egress");
        if (response.get("body").isObject()) {
            response.set("body", usersBody);
        } else if (response.path("isBase64Encoded").asBoolean(false)) {
            response.put("body", Base64.getEncoder().encodeToString(
                    Json.compact(usersBody).getBytes(StandardCharsets.UTF_8)));
        } else {
            response.put("body", Json.compact(usersBody));
        }
    }

    /** Status class + error type, e.g. {@code 5xx:UpstreamTimeout}; null for a success. */
    static String failureClass(VersionInvoker.Invocation invocation, ObjectNode response, JsonNode rag) {
        if (invocation.failed()) {
            int status = invocation.statusCode() >= 300 ? invocation.statusCode() : 502;
            return (status / 100) + "xx:" + errorType(invocation,
                    parseQuietly(new String(invocation.payload(), StandardCharsets.UTF_8)));
        }
        int status = response.path("statusCode").asInt(200);
        if (status < 500) {
            return null;
        }
        String type = response.path("headers").path("x-error-type").asText("");
        if (type.isEmpty() && rag != null) {
            type = rag.path("errorType").asText("");
        }
        return "5xx:" + (type.isEmpty() ? "Http" + status : type);
    }

    private static String errorType(VersionInvoker.Invocation invocation, JsonNode payload) {
        if (payload != null && payload.hasNonNull("errorType")) {
            return payload.get("errorType").asText();
        }
        return invocation.functionError() == null ? "Http" + invocation.statusCode() : invocation.functionError();
    }

    private static String variantLabel(RouteDecision decision, String version, Optional<RolloutState> state,
                                       String region) {
        if (decision.variant() != Variant.ALIAS) {
            return decision.variant().label();
        }
        if (version != null && state.isPresent()) {
            if (version.equals(state.get().qualifierOf(Variant.CANARY, region))) {
                return Variant.CANARY.label();
            }
            if (version.equals(state.get().qualifierOf(Variant.CONTROL, region))) {
                return Variant.CONTROL.label();
            }
        }
        return Variant.ALIAS.label();
    }

    /** The canary must answer from its own cache prefix, the control never from the canary's. */
    private static boolean prefixCollision(String variant, JsonNode rag, Optional<RolloutState> state) {
        if (rag == null || state.isEmpty() || !rag.path("cache").path("prefix").isTextual()) {
            return false;
        }
        String prefix = rag.path("cache").path("prefix").asText();
        String canaryPrefix = state.get().canaryCachePrefix();
        if (Variant.CANARY.label().equals(variant)) {
            return !prefix.startsWith(canaryPrefix);
        }
        return Variant.CONTROL.label().equals(variant) && prefix.startsWith(canaryPrefix);
    }

    private static JsonNode parseQuietly(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException notJson) {
            return null;
        }
    }
}
