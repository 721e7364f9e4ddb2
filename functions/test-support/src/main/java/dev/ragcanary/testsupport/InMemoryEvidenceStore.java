package dev.ragcanary.testsupport;

import dev.ragcanary.core.ports.EvidenceStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Evidence kept in a map, for handler tests: what was put can be read back. */
public final class InMemoryEvidenceStore implements EvidenceStore {
    public final Map<String, String> objects = new ConcurrentHashMap<>();

    @Override
    public String put(String key, String json) {
        objects.put(key, json);
        return "memory://" + key;
    }

    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(objects.get(key));
    }
}
