package dev.ragcanary.local;

import dev.ragcanary.core.ports.EvidenceStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** The evidence store for local runs (CLI, rehearsal): one file per key under a root folder. */
public final class LocalFolderEvidenceStore implements EvidenceStore {
    private final Path root;

    public LocalFolderEvidenceStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public String put(String key, String json) {
        Path file = resolve(key);
        try {
            Files.createDirectories(file.getParent());
            // Write then move, so a reader never sees half a document.
            Path tmp = Files.createTempFile(file.getParent(), ".evidence", ".tmp");
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write evidence " + key + " to " + file, e);
        }
    }

    @Override
    public Optional<String> get(String key) {
        try {
            return Optional.of(Files.readString(resolve(key), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read evidence " + key, e);
        }
    }

    private Path resolve(String key) {
        Path file = root.resolve(key).normalize();
        if (key.isBlank() || key.startsWith("/") || !file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("evidence key must be a relative path inside the store: \"" + key + "\"");
        }
        return file;
    }
}
