package dev.ragcanary.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * An HTTP server on a free loopback port with Nagle's algorithm off. The JDK server writes a response's headers and
 * body separately; with Nagle on, the body waits for the ACK of the headers, which a client that delays its ACKs (the
 * Workers runtime, Node) sends only after about 40 ms: every request through the rehearsal's local endpoints cost
 * that much. The JDK reads {@code sun.net.httpserver.nodelay} once, when its first server is made, so every local
 * server is made here.
 */
public final class LoopbackHttpServer {
    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private LoopbackHttpServer() {
    }

    /** A server bound to a free loopback port, not yet started. */
    public static HttpServer create() throws IOException {
        return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    }
}
