package dev.ragcanary.adapters.lambda;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import dev.ragcanary.aws.AwsClients;

/** A local stand-in for the Lambda API: records every request and answers from a queue of canned responses. */
final class StubLambdaServer implements AutoCloseable {
    record Request(String method, String pathAndQuery, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    record Response(int status, Map<String, String> headers, String body) {
    }

    private final HttpServer server;
    private final Deque<Response> responses = new ArrayDeque<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    StubLambdaServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders(), body));
            Response response;
            synchronized (responses) {
                response = responses.isEmpty() ? new Response(500, Map.of(), "{\"message\":\"no canned response\"}")
                        : responses.poll();
            }
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
    }

    /** Queues a response; requests are answered in order. */
    StubLambdaServer respond(int status, String body, String... headerPairs) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        for (int i = 0; i < headerPairs.length; i += 2) {
            headers.put(headerPairs[i], headerPairs[i + 1]);
        }
        synchronized (responses) {
            responses.add(new Response(status, headers, body));
        }
        return this;
    }

    /** A real Lambda error: status, x-amzn-ErrorType and the JSON body Lambda sends. */
    StubLambdaServer error(int status, String type, String message) {
        return respond(status, "{\"Type\":\"User\",\"message\":\"" + message + "\"}", "x-amzn-ErrorType", type);
    }

    LambdaClient client() {
        return AwsClients.build(LambdaClient.builder(), URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                Region.US_EAST_1);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
