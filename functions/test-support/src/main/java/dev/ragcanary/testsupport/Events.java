package dev.ragcanary.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the example handler inputs in the repository's {@code events/} folder (found by walking up from the working
 * directory), e.g. {@code Events.load("weight-shifter/start.json")}.
 */
public final class Events {
    private Events() {
    }

    public static String load(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path file = dir.resolve("events").resolve(relative);
            if (Files.isRegularFile(file)) {
                try {
                    return Files.readString(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new IllegalStateException("events/" + relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
