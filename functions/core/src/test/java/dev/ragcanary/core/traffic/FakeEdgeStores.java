package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.rollout.EdgeTarget;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Edge config stores in memory, one per edge name, with no conditional write (as the real ones): failures can be queued
 * for the next writes of an edge, a write can apply and still fail (a lost response), and a hook runs just before a
 * write lands (a race).
 */
final class FakeEdgeStores implements EdgeConfigPublisher {
    final Map<String, Map<String, EdgeConfigDocument>> stores = new HashMap<>();
    final List<String> writes = new ArrayList<>();
    private final Map<String, Deque<RuntimeException>> failures = new HashMap<>();
    private final Map<String, Deque<RuntimeException>> lostResponses = new HashMap<>();
    private Runnable beforeNextWrite;

    FakeEdgeStores failNextWrites(String edge, RuntimeException... errors) {
        failures.computeIfAbsent(edge, e -> new ArrayDeque<>()).addAll(List.of(errors));
        return this;
    }

    FakeEdgeStores loseNextResponse(String edge, RuntimeException error) {
        lostResponses.computeIfAbsent(edge, e -> new ArrayDeque<>()).add(error);
        return this;
    }

    void beforeNextWrite(Runnable race) {
        beforeNextWrite = race;
    }

    Optional<EdgeConfigDocument> on(String edge) {
        return Optional.ofNullable(stores.getOrDefault(edge, Map.of()).get(EdgeConfigDocument.key("rag-answer", "live")));
    }

    @Override
    public void publish(EdgeTarget target, EdgeConfigDocument document) {
        RuntimeException failure = Optional.ofNullable(failures.get(target.name())).map(Deque::poll).orElse(null);
        if (failure != null) {
            throw failure;
        }
        if (beforeNextWrite != null) {
            Runnable race = beforeNextWrite;
            beforeNextWrite = null;
            race.run();
        }
        stores.computeIfAbsent(target.name(), e -> new HashMap<>()).put(document.key(), document);
        writes.add(target.name() + " " + document.status() + " r" + document.revision());
        RuntimeException lost = Optional.ofNullable(lostResponses.get(target.name())).map(Deque::poll).orElse(null);
        if (lost != null) {
            throw lost;
        }
    }

    @Override
    public Optional<EdgeConfigDocument> readBack(EdgeTarget target, String functionName, String alias) {
        return Optional.ofNullable(stores.getOrDefault(target.name(), Map.of())
                .get(EdgeConfigDocument.key(functionName, alias)));
    }
}
