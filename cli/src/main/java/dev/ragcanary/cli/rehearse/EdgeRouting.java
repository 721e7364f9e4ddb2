package dev.ragcanary.cli.rehearse;

import dev.ragcanary.testsupport.LoopbackHttpServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.traffic.EdgeDecisionKeys;
import dev.ragcanary.core.traffic.EdgeDecisions;
import dev.ragcanary.core.traffic.RouteDecision;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.core.traffic.StickyRouter;
import dev.ragcanary.local.ProjectLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The sticky users' way through the Cloudflare Workers router: each request goes to the router running in workerd
 * (edge/cloudflare/rehearsal-server.mjs, its KV fed from the file the Workers KV stand-in keeps the published document
 * in), which decides, signs its decision (contract B) and forwards to the origin: a local HTTP endpoint that routes the
 * request with the rehearsal's core {@link StickyRouter}, checking the signed headers with {@link EdgeDecisions}, the
 * code the Lambda router runs. The audit then sees the variant the core served and its {@code routing.edge_decision}.
 *
 * <p>The edge signs with the wall clock, so the core checks a decision's age against the wall clock too; the router's
 * state cache keeps the virtual time. A request waits until the edge has loaded the document last published
 * (the server says so on stdout): the rehearsal shows routing, not KV's propagation delay (docs/edge.md
 * "Propagation" bounds that; the epoch makes it harmless).
 */
final class EdgeRouting implements StickyTraffic.Routing, AutoCloseable {
    /** How long the router in workerd may take to start, and to load a published document. */
    private static final Duration START_LIMIT = Duration.ofSeconds(60);
    private static final Duration LOAD_LIMIT = Duration.ofSeconds(10);
    private static final String KID = "rehearsal";
    private static final String REQUEST_ID = "x-rehearsal-request";
    /** Identity headers the edge sets only from a token it verified (edge/core/router.js), keyed by token claim. */
    private static final Map<String, String> IDENTITY_CLAIMS = Map.of("x-tenant-id", "tenant_id", "x-user-id", "sub");

    private final Path documentFile;
    private final String keyHeader;
    private final byte[] jwtSecret;
    private final Path workDir;
    private final HttpServer core;
    private final EdgeDecisions edgeDecisions;
    private final Map<String, RouteDecision> decided = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile StickyRouter router;
    private volatile JsonNode loaded;
    private Process edge;
    private URI edgeUrl;

    private EdgeRouting(Path documentFile, String keyHeader, Path workDir, byte[] jwtSecret, String keysJson) {
        this.documentFile = documentFile;
        this.keyHeader = keyHeader;
        this.workDir = workDir;
        this.jwtSecret = jwtSecret;
        this.edgeDecisions = new EdgeDecisions(new EdgeDecisionKeys(arn -> keysJson, "rehearsal-decision-keys",
                Clock.systemUTC(), Duration.ofMinutes(5)), Clock.systemUTC());
        try {
            this.core = LoopbackHttpServer.create();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the rehearsal's core router endpoint", e);
        }
        core.createContext("/", this::routeAtTheCore);
        core.start();
    }

    /**
     * The way through the plan's cloudflare-kv edge, started, or null when the plan names none.
     *
     * @param documentFile where the Workers KV stand-in keeps the plan's document
     */
    static EdgeRouting forPlan(RolloutRequest plan, ProjectLayout layout, Supplier<Path> documentFile) {
        if (plan.edges().stream().noneMatch(edge -> EdgeTarget.CLOUDFLARE_KV.equals(edge.platform()))) {
            return null;
        }
        if (!"header".equals(plan.sticky().source())) {
            throw new IllegalArgumentException("sticky.source must be header for a rehearsal through the Workers router"
                    + " (the edge reads a header, a cookie or a token claim, not the body), but is " + plan.sticky().source());
        }
        SecureRandom random = new SecureRandom();
        byte[] signingKey = new byte[32];
        byte[] jwtSecret = new byte[32];
        random.nextBytes(signingKey);
        random.nextBytes(jwtSecret);
        String keysJson = "{\"keys\":[{\"kid\":\"" + KID + "\",\"secret\":\""
                + Base64.getEncoder().encodeToString(signingKey) + "\"}]}";
        Path workDir;
        try {
            workDir = Files.createTempDirectory("rag-canary-edge-");
            Files.writeString(workDir.resolve("decision-keys.json"), keysJson);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the rehearsal's edge decision keys", e);
        }
        EdgeRouting routing = new EdgeRouting(documentFile.get(), plan.sticky().keyAttribute().toLowerCase(Locale.ROOT),
                workDir, jwtSecret, keysJson);
        try {
            routing.startEdge(layout, plan);
            return routing;
        } catch (RuntimeException e) {
            routing.close();
            throw e;
        }
    }

    private void startEdge(ProjectLayout layout, RolloutRequest plan) {
        List<String> command = new java.util.ArrayList<>(List.of("node",
                layout.root().resolve("edge/cloudflare/rehearsal-server.mjs").toString(),
                "--config", documentFile.toString(), "--origin", "http://127.0.0.1:" + core.getAddress().getPort(),
                "--keys", workDir.resolve("decision-keys.json").toString(),
                "--function", plan.target().functionName(), "--alias", plan.target().alias(),
                "--sticky-source", "header", "--sticky-name", keyHeader));
        if (IDENTITY_CLAIMS.containsKey(keyHeader)) {
            command.addAll(List.of("--jwt-secret", Base64.getEncoder().encodeToString(jwtSecret)));
        }
        try {
            edge = new ProcessBuilder(command).directory(layout.root().toFile())
                    .redirectError(workDir.resolve("edge-stderr.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node for the Workers rehearsal server", e);
        }
        CompletableFuture<URI> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> readEdgeOutput(url), "edge-rehearsal-server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            edgeUrl = url.get(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception notStarted) {
            throw new IllegalStateException("the Workers rehearsal server did not start within " + START_LIMIT.toSeconds()
                    + " s: " + stderr(), notStarted);
        }
    }

    /** The URL line first, then {@code {"loaded": ...}} after each document the router reads; telemetry is not kept. */
    private void readEdgeOutput(CompletableFuture<URI> url) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(edge.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                JsonNode json = Json.MAPPER.readTree(line);
                if (json.has("url")) {
                    url.complete(URI.create(json.get("url").asText()));
                } else if (json.has("loaded")) {
                    loaded = json.get("loaded");
                }
            }
            url.completeExceptionally(new IllegalStateException("the server ended"));
        } catch (IOException e) {
            url.completeExceptionally(e);
        }
    }

    @Override
    public EdgeDecisions edgeDecisions() {
        return edgeDecisions;
    }

    @Override
    public RouteDecision route(StickyRouter router, RouteRequest request) {
        this.router = router;
        awaitTheEdgeHoldsThePublishedDocument();
        String id = Long.toString(requestIds.incrementAndGet());
        String user = request.header(keyHeader);
        HttpRequest.Builder send = HttpRequest.newBuilder(edgeUrl.resolve("/answer")).timeout(Duration.ofSeconds(30))
                .header(REQUEST_ID, id).POST(HttpRequest.BodyPublishers.ofString("{\"question\":\"rehearsal\"}"));
        if (user != null) {
            String claim = IDENTITY_CLAIMS.get(keyHeader);
            send = claim == null ? send.header(keyHeader, user) : send.header("Authorization", "Bearer " + token(claim, user));
        }
        HttpResponse<String> answer;
        try {
            answer = http.send(send.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("the Workers router did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Workers router answered", e);
        }
        RouteDecision decision = decided.remove(id);
        if (decision == null) {
            throw new IllegalStateException("the Workers router answered " + answer.statusCode() + " without reaching the"
                    + " core: " + answer.body());
        }
        return decision;
    }

    /** The origin the edge forwards to: the core router's decision with the edge's signed headers. */
    private void routeAtTheCore(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
            RouteDecision decision = router.route(new RouteRequest(headers, () -> null));
            decided.put(Objects.requireNonNullElse(headers.get(REQUEST_ID), ""), decision);
            byte[] body = Json.compact(Json.MAPPER.createObjectNode().put("answer", "rehearsal")
                    .put("variant", decision.variant().name().toLowerCase(Locale.ROOT))
                    .put("edge_decision", decision.edgeDecision())).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private void awaitTheEdgeHoldsThePublishedDocument() {
        JsonNode published = publishedDocument();
        long until = System.nanoTime() + LOAD_LIMIT.toNanos();
        while (!holds(loaded, published)) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("the Workers router did not load the published document (" + published
                        + ") within " + LOAD_LIMIT.toSeconds() + " s; it holds " + loaded);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the Workers router loaded its document", e);
            }
        }
    }

    /** {rolloutId, revision} of the document the stand-in holds, or null for none. */
    private JsonNode publishedDocument() {
        if (!Files.exists(documentFile)) {
            return null;
        }
        try {
            JsonNode doc = Json.MAPPER.readTree(Files.readString(documentFile));
            return Json.MAPPER.createObjectNode().put("rolloutId", doc.path("rolloutId").asText(null))
                    .put("revision", doc.path("revision").asLong());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the published edge document " + documentFile, e);
        }
    }

    private static boolean holds(JsonNode loaded, JsonNode published) {
        return loaded != null && (published == null ? loaded.isNull()
                : published.path("rolloutId").asText().equals(loaded.path("rolloutId").asText())
                && published.path("revision").asLong() == loaded.path("revision").asLong(-1));
    }

    /** An HS256 token the edge verifies, carrying the user as {@code claim}. */
    private String token(String claim, String user) {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = base64.encodeToString(Json.compact(Json.MAPPER.createObjectNode().put(claim, user)
                .put("exp", System.currentTimeMillis() / 1000 + 3600)).getBytes(StandardCharsets.UTF_8));
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(jwtSecret, "HmacSHA256"));
            return header + "." + claims + "." + base64.encodeToString(
                    mac.doFinal((header + "." + claims).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private String stderr() {
        try {
            return Files.readString(workDir.resolve("edge-stderr.log")).strip();
        } catch (IOException e) {
            return "(no output)";
        }
    }

    /** Stops the server (SIGTERM; killed if it lingers) and the core endpoint; the CLI's exit hook covers a signal. */
    @Override
    public void close() {
        if (edge != null) {
            edge.destroy();
            try {
                if (!edge.waitFor(5, TimeUnit.SECONDS)) {
                    edge.destroyForcibly();
                }
            } catch (InterruptedException e) {
                edge.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        core.stop(0);
        try (var files = Files.list(workDir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(workDir);
        } catch (IOException leftBehind) {
            // a temporary folder of two small files: nothing depends on its removal
        }
    }
}
