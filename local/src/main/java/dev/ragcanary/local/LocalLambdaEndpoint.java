package dev.ragcanary.local;

import dev.ragcanary.testsupport.LoopbackHttpServer;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ragcanary.core.json.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Speaks the Lambda Invoke API ({@code POST /2015-03-31/functions/{name}/invocations}) on a free loopback port and
 * runs the registered handler instance in-process, so a state machine interpreter (or an SDK client) invokes the real
 * Java handlers as it would invoke deployed functions. A handler's exception comes back the way Lambda returns a
 * function error: HTTP 200, {@code X-Amz-Function-Error: Unhandled}, body {@code {errorType, errorMessage}} with the
 * exception's class name as errorType (what the Java runtime reports, and what Retry/Catch match on).
 */
public final class LocalLambdaEndpoint implements AutoCloseable {
    private static final Pattern INVOKE_PATH = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");
    private static final int HANDLER_THREADS = 8;

    private final Map<String, RequestStreamHandler> functions = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor;

    private LocalLambdaEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts an endpoint on 127.0.0.1 with a free port and no functions; add them with {@link #register}. */
    public static LocalLambdaEndpoint start() {
        try {
            HttpServer server = LoopbackHttpServer.create();
            ExecutorService executor = Executors.newFixedThreadPool(HANDLER_THREADS, r -> {
                Thread t = new Thread(r, "local-lambda");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            LocalLambdaEndpoint endpoint = new LocalLambdaEndpoint(server, executor);
            server.createContext("/", endpoint::handle);
            server.start();
            return endpoint;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the local Lambda endpoint", e);
        }
    }

    /** Makes {@code handler} answer invocations of {@code functionName} (a name, as in the function ARN). */
    public LocalLambdaEndpoint register(String functionName, RequestStreamHandler handler) {
        functions.put(functionName, handler);
        return this;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Stops accepting calls and lets those still running finish (a few seconds at most) before stopping them. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher path = INVOKE_PATH.matcher(exchange.getRequestURI().getPath());
            if (!"POST".equals(exchange.getRequestMethod()) || !path.matches()) {
                serviceError(exchange, 404, "UnknownOperationException", "only POST /2015-03-31/functions/{name}/invocations is served here");
                return;
            }
            String name = functionName(path.group(1));
            RequestStreamHandler handler = functions.get(name);
            if (handler == null) {
                serviceError(exchange, 404, "ResourceNotFoundException", "Function not found: " + name
                        + " (local functions: " + functions.keySet() + ")");
                return;
            }
            byte[] payload = exchange.getRequestBody().readAllBytes();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                handler.handleRequest(new ByteArrayInputStream(payload), out, new LocalContext(name, System.err));
            } catch (Exception | Error e) {
                functionError(exchange, e);
                return;
            }
            send(exchange, 200, Map.of("X-Amz-Executed-Version", "$LATEST"), out.toByteArray());
        }
    }

    /** Accepts a name, a partial ARN or a full ARN, with an optional qualifier, as Lambda does. */
    private static String functionName(String raw) {
        String decoded = java.net.URLDecoder.decode(raw, StandardCharsets.UTF_8);
        String[] parts = decoded.split(":");
        int functionIndex = java.util.Arrays.asList(parts).indexOf("function");
        return functionIndex >= 0 && functionIndex + 1 < parts.length ? parts[functionIndex + 1] : parts[0];
    }

    private static void functionError(HttpExchange exchange, Throwable e) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("errorMessage", e.getMessage() == null ? e.getClass().getName() : e.getMessage());
        body.put("errorType", e instanceof NamedFunctionError named ? named.errorType : e.getClass().getName());
        send(exchange, 200, Map.of("X-Amz-Function-Error", "Unhandled"), Json.compact(body).getBytes(StandardCharsets.UTF_8));
    }

    private static void serviceError(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("Type", "User");
        body.put("message", message);
        send(exchange, status, Map.of("x-amzn-ErrorType", type), Json.compact(body).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        }
    }

    /**
     * A failure that a local stand-in for a service integration reports under the error name Step Functions would
     * use (e.g. {@code States.Timeout}); real handlers throw ordinary exceptions, named by their class.
     */
    public static final class NamedFunctionError extends RuntimeException {
        private final String errorType;

        public NamedFunctionError(String errorType, String message) {
            super(message);
            this.errorType = errorType;
        }
    }
}
