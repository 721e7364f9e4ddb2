package dev.ragcanary.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A partner's webhook endpoint on a free loopback port, for tests and the local rehearsal: counts the posts it gets per
 * {@code Idempotency-Key}, and the ones it accepted (answered 2xx), so a test sees any key a partner would have
 * processed twice. It can be told to be slow or to fail:
 *
 * <pre>{@code
 * try (PartnerStub partner = PartnerStub.start()) {
 *     partner.failFirst(2, 503);            // every key's first two posts get 503
 *     partner.delay(Duration.ofMillis(50)); // every answer after 50 ms
 *     ... post to partner.url("/billing") ...
 *     partner.duplicates();                 // keys accepted more than once: must be empty
 * }
 * }</pre>
 *
 * A post without the header is counted under {@value #NO_KEY}.
 */
public final class PartnerStub implements AutoCloseable {
    public static final String NO_KEY = "(none)";

    private final HttpServer server;
    private final Map<String, AtomicInteger> posts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
    private volatile Duration delay = Duration.ZERO;
    private volatile int failFirst;
    private volatile int failStatus = 503;

    private PartnerStub(HttpServer server) {
        this.server = server;
    }

    /** Starts on a free loopback port; answers 200 until told otherwise. */
    public static PartnerStub start() {
        try {
            HttpServer server = LoopbackHttpServer.create();
            PartnerStub stub = new PartnerStub(server);
            server.createContext("/", stub::answer);
            server.setExecutor(Executors.newCachedThreadPool(runnable -> {
                Thread thread = new Thread(runnable, "partner-stub");
                thread.setDaemon(true);
                return thread;
            }));
            server.start();
            return stub;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the partner stub on a loopback port", e);
        }
    }

    /** The URL of a path on this stub, e.g. {@code url("/billing")}. */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Answers every post after this long (a slow partner; longer than the caller's timeout makes it time out). */
    public PartnerStub delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** The first {@code tries} posts of each key get {@code status} (a 5xx to be retried, a 4xx to be refused). */
    public PartnerStub failFirst(int tries, int status) {
        this.failFirst = tries;
        this.failStatus = status;
        return this;
    }

    /** Posts received for the key (accepted or not). */
    public int posts(String key) {
        AtomicInteger count = posts.get(key);
        return count == null ? 0 : count.get();
    }

    /** Posts answered 2xx for the key: more than one is a duplicate the partner would have processed twice. */
    public int accepted(String key) {
        AtomicInteger count = accepted.get(key);
        return count == null ? 0 : count.get();
    }

    /** Posts per key, sorted by key. */
    public Map<String, Integer> postsPerKey() {
        Map<String, Integer> copy = new TreeMap<>();
        posts.forEach((key, count) -> copy.put(key, count.get()));
        return copy;
    }

    /** Keys accepted more than once, with how often; empty when no event was processed twice. */
    public Map<String, Integer> duplicates() {
        Map<String, Integer> duplicates = new TreeMap<>();
        accepted.forEach((key, count) -> {
            if (count.get() > 1) {
                duplicates.put(key, count.get());
            }
        });
        return duplicates;
    }

    public int totalPosts() {
        return posts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            key = key == null || key.isBlank() ? NO_KEY : key;
            int nth = posts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            pause();
            int status = nth <= failFirst ? failStatus : 200;
            if (status >= 200 && status < 300) {
                accepted.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            }
            exchange.sendResponseHeaders(status, -1);
        }
    }

    private void pause() {
        long millis = delay.toMillis();
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
