package dev.ragcanary.local;

import dev.ragcanary.testsupport.LoopbackHttpServer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ragcanary.core.traffic.EdgeConfigDocument;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for the Workers KV values endpoint of the Cloudflare REST API, which the real
 * {@code CloudflareKvPublisher} publishes to: {@code PUT} and {@code GET
 * /client/v4/accounts/{account_id}/storage/kv/namespaces/{namespace_id}/values/{key_name}} with a Bearer token,
 * answering as Cloudflare does (the {@code {"success", "errors", "messages", "result"}} envelope on a write, the raw
 * value on a read, 404 with error 10009 for a missing key, 401 with error 10000 for a wrong token). Each key's value is
 * a file in one folder, written atomically, so the Workers rehearsal server ({@code --config}) reads what was
 * published. One namespace: the account and namespace ids are not checked.
 */
public final class LocalCloudflareKv implements AutoCloseable {
    /** The API token the stand-in accepts; {@link LocalStandIns#edgeTokens()} hands it out for every token secret. */
    static final String TOKEN = "local-cloudflare-kv-token";
    private static final Pattern VALUES = Pattern.compile(
            "/client/v4/accounts/[^/]+/storage/kv/namespaces/[^/]+/values/([^/]+)");

    private final HttpServer server;
    private final Path folder;

    private LocalCloudflareKv(HttpServer server, Path folder) {
        this.server = server;
        this.folder = folder;
    }

    /** Serves on a free port of 127.0.0.1, keeping the values in {@code folder} (created if missing). */
    public static LocalCloudflareKv start(Path folder) {
        try {
            Files.createDirectories(folder);
            HttpServer server = LoopbackHttpServer.create();
            LocalCloudflareKv kv = new LocalCloudflareKv(server, folder);
            server.createContext("/client/v4/", kv::handle);
            server.start();
            return kv;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the local Cloudflare KV stand-in", e);
        }
    }

    /** What the publisher is given instead of {@code https://api.cloudflare.com/client/v4}. */
    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/client/v4");
    }

    /** The file holding the rollout document of the function's alias (absent until the first publish). */
    public Path documentFile(String functionName, String alias) {
        return folder.resolve(EdgeConfigDocument.underscoreKey(functionName, alias) + ".json");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher values = VALUES.matcher(exchange.getRequestURI().getRawPath());
            if (!values.matches()) {
                answer(exchange, 404, envelope(false, "7003, \"message\": \"Could not route to "
                        + exchange.getRequestURI().getPath() + "\""));
                return;
            }
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                answer(exchange, 401, envelope(false, "10000, \"message\": \"Authentication error\""));
                return;
            }
            String key = URLDecoder.decode(values.group(1), StandardCharsets.UTF_8);
            Path file = folder.resolve(key.replace('/', '_') + ".json");
            switch (exchange.getRequestMethod()) {
                case "PUT" -> {
                    Path written = Files.createTempFile(folder, ".put-", ".json");
                    Files.write(written, exchange.getRequestBody().readAllBytes());
                    Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    answer(exchange, 200, envelope(true, null));
                }
                case "GET" -> {
                    try {
                        answer(exchange, 200, Files.readString(file));
                    } catch (NoSuchFileException none) {
                        answer(exchange, 404, envelope(false, "10009, \"message\": \"get: 'key not found'\""));
                    }
                }
                default -> answer(exchange, 405, envelope(false, "10405, \"message\": \"Method not allowed\""));
            }
        }
    }

    /** Cloudflare's envelope; {@code error} is the inside of one error object after {@code "code": }. */
    private static String envelope(boolean success, String error) {
        return "{\"success\": " + success + ", \"errors\": [" + (error == null ? "" : "{\"code\": " + error + "}")
                + "], \"messages\": [], \"result\": null}";
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
