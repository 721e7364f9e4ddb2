package dev.ragcanary.core.ports;

import java.time.Duration;

/** Waits between retries; injected so tests run instantly and can see the backoff. */
@FunctionalInterface
public interface Sleeper {

    void sleep(Duration duration) throws InterruptedException;

    Sleeper REAL = duration -> Thread.sleep(duration.toMillis());
}
