package dev.ragcanary.adapters.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A local stand-in for an AWS JSON-protocol service (Step Functions, ...): records every request and answers with
 * scripted responses per {@code X-Amz-Target} operation, in order. An operation with no scripted response left gets a
 * 500, so a test sees an unexpected call as a failure instead of a hang.
 */
public final class StubAwsServer implements AutoCloseable {
    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, Deque<Response>> scripted = new HashMap<>();

    /** One recorded call. @param target the operation, e.g. {@code AWSStepFunctions.StartExecution} */
    public record Request(String method, String path, String target, String contentType, JsonNode body) {
    }

    private record Response(int status, String body) {
    }

    public StubAwsServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers the next call of {@code target} with HTTP 200 and {@code json}. */
    public StubAwsServer reply(String target, String json) {
        return respond(target, 200, json);
    }

    /** Answers the next call of {@code target} with an AWS JSON error ({@code __type} and {@code message}). */
    public StubAwsServer fail(String target, int status, String type, String message) {
        return respond(target, status, Json.compact(Map.of("__type", type, "message", message)));
    }

    private synchronized StubAwsServer respond(String target, int status, String body) {
        scripted.computeIfAbsent(target, t -> new ArrayDeque<>()).add(new Response(status, body));
        return this;
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The operations called, in order. */
    public synchronized List<String> targets() {
        return requests.stream().map(Request::target).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        Response response;
        synchronized (this) {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), target,
                    exchange.getRequestHeaders().getFirst("Content-Type"), body.isEmpty() ? null : Json.MAPPER.readTree(body)));
            Deque<Response> queue = scripted.get(target);
            response = queue == null || queue.isEmpty()
                    ? new Response(500, Json.compact(Map.of("__type", "StubNotScripted", "message", "no response scripted for " + target)))
                    : queue.poll();
        }
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
        exchange.getResponseHeaders().add("x-amzn-RequestId", "stub-request-" + requests.size());
        exchange.sendResponseHeaders(response.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
