package dev.ragcanary.adapters.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A local stand-in for the CloudWatch Logs JSON API: records every call (target and body) and answers each with what
 * the test's responder says for it.
 */
final class StubLogsServer implements AutoCloseable {
    /** @param region the region the client signed for (from the SigV4 credential scope) */
    record Call(String target, String region, String body) {
        /** The operation, e.g. "StartQuery" for target "Logs_20140328.StartQuery". */
        String operation() {
            return target.substring(target.indexOf('.') + 1);
        }
    }

    record Reply(int status, String body) {
    }

    private final HttpServer server;
    final List<Call> calls = new ArrayList<>();

    StubLogsServer(Function<Call, Reply> responder) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            Call call = new Call(exchange.getRequestHeaders().getFirst("X-Amz-Target"),
                    region(exchange.getRequestHeaders().getFirst("Authorization")),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Reply reply;
            synchronized (this) {
                calls.add(call);
                reply = responder.apply(call);
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    /** "Credential=local/20250827/eu-west-1/logs/aws4_request, ..." → eu-west-1 */
    private static String region(String authorization) {
        String scope = authorization.substring(authorization.indexOf("Credential=") + "Credential=".length());
        return scope.split("/")[2];
    }

    synchronized List<Call> calls(String operation) {
        return calls.stream().filter(c -> c.operation().equals(operation)).toList();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
