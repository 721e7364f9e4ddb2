package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.TransientFailureException;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.rollout.RolloutRequest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes a rollout state to every edge the plan names and verifies each by reading it back: an edge is to the weight
 * shifter what a region is, so one that cannot be updated stops a raise and keeps a rollback's lock. Publishing is
 * idempotent (the same state is the same document) and never goes back in time: a document of the same rollout with a
 * higher revision is left in place (a late or duplicate publish of an older state writes nothing). The stores offer no
 * conditional write, so a publish racing a newer one can still land last; the weight shifter publishes the newer
 * state again after it (see {@link WeightShifter}), and edge readers ignore a revision older than one they have seen.
 */
final class EdgePublishing {
    private final EdgeConfigPublisher publisher;
    private final Clock clock;

    EdgePublishing(EdgeConfigPublisher publisher, Clock clock) {
        this.publisher = publisher;
        this.clock = clock;
    }

    /**
     * Publishes {@code state} to every edge; an edge that fails does not stop the others.
     *
     * @return {@code "edge <name>"} -> why, for each edge that does not carry the state afterwards
     */
    Map<String, RuntimeException> publish(RolloutRequest plan, RolloutState state) {
        Map<String, RuntimeException> failed = new LinkedHashMap<>();
        for (EdgeTarget edge : plan.edges()) {
            try {
                publishTo(edge, EdgeConfigDocument.of(state, edge, clock.instant()));
            } catch (RuntimeException e) {
                failed.put("edge " + edge.name(), e);
            }
        }
        return failed;
    }

    private void publishTo(EdgeTarget edge, EdgeConfigDocument document) {
        Optional<EdgeConfigDocument> before = publisher.readBack(edge, document.functionName(), document.alias());
        if (before.isEmpty() || !before.get().supersedes(document)) {
            publisher.publish(edge, document);
        }
        Optional<EdgeConfigDocument> after = publisher.readBack(edge, document.functionName(), document.alias());
        if (after.isEmpty() || !after.get().carries(document)) {
            // Read back right after a successful write: the store has not caught up yet, which a later try may see.
            throw new TransientFailureException("edge " + edge.name() + " (" + edge.platform() + ") was sent revision "
                    + document.revision() + " (" + document.status() + ", weight " + document.weight()
                    + ") of rollout " + document.rolloutId() + " but reads back " + after.map(EdgePublishing::describe)
                    .orElse("no document"));
        }
    }

    private static String describe(EdgeConfigDocument found) {
        return "revision " + found.revision() + " of rollout " + found.rolloutId() + " (" + found.status() + ", weight "
                + found.weight() + ")";
    }

    /** {@code "edge <name>: <why>"}, naming the edge once (an adapter's message may already start with it). */
    static String why(String edge, RuntimeException failure) {
        String message = String.valueOf(failure.getMessage());
        return message.startsWith(edge) ? message : edge + ": " + message;
    }

    /** The failures' one error: transient (for the retry owner) only when every edge's failure is. */
    static RuntimeException combined(String what, Map<String, RuntimeException> failed) {
        String message = what + ": " + String.join("; ", failed.entrySet().stream()
                .map(e -> why(e.getKey(), e.getValue())).toList());
        RuntimeException error = failed.values().stream().allMatch(TransientFailureException.class::isInstance)
                ? new TransientFailureException(message) : new IllegalStateException(message);
        failed.values().forEach(error::addSuppressed);
        return error;
    }
}
