package dev.ragcanary.aws;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;

/**
 * A local HTTP server standing in for an AWS service with no local engine: records every request exactly as the SDK
 * sent it and answers with whatever the test scripted (real AWS bodies, including error bodies). Loopback only, on a
 * free port.
 */
public final class StubAwsServer implements AutoCloseable {

    /** One request as received. Header names are lower-cased. */
    public record Request(String method, String path, String query, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    public record Response(int status, Map<String, String> headers, String body) {
        public static Response json(int status, String body) {
            return new Response(status, Map.of("Content-Type", "application/json"), body);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private final ConcurrentLinkedDeque<Function<Request, Response>> script = new ConcurrentLinkedDeque<>();
    private volatile Function<Request, Response> fallback = r -> Response.json(500, "{\"message\":\"no scripted response\"}");

    public StubAwsServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), headers,
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            synchronized (requests) {
                requests.add(request);
            }
            Function<Request, Response> next = script.pollFirst();
            Response response = (next == null ? fallback : next).apply(request);
            byte[] body = response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers the next request with {@code response}; scripted answers are used in order, then the fallback. */
    public StubAwsServer then(Response response) {
        script.addLast(r -> response);
        return this;
    }

    public StubAwsServer then(Function<Request, Response> responder) {
        script.addLast(responder);
        return this;
    }

    /** Answers every request that has no scripted answer. */
    public StubAwsServer otherwise(Function<Request, Response> responder) {
        this.fallback = responder;
        return this;
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
