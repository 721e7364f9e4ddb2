package dev.ragcanary.core.ports;

import dev.ragcanary.core.traffic.EdgeConfigDocument;
import dev.ragcanary.core.rollout.EdgeTarget;
import java.util.Optional;

/**
 * An edge platform's config store (Workers KV, Edge Config, Config Store) that holds one {@link EdgeConfigDocument}
 * per (function, alias). Throttling, 5xx and timeouts are {@link TransientFailureException}s; a refused token or a
 * missing store is an {@link EdgeRefusedException}.
 */
public interface EdgeConfigPublisher {
    /** Writes {@code document} under its key on {@code target}, replacing what is there. */
    void publish(EdgeTarget target, EdgeConfigDocument document);

    /** The document stored on {@code target} for the function's alias, empty when there is none. */
    Optional<EdgeConfigDocument> readBack(EdgeTarget target, String functionName, String alias);

    /** For controllers built without edge adapters: any plan that names an edge is refused here, by name. */
    EdgeConfigPublisher NONE = new EdgeConfigPublisher() {
        @Override
        public void publish(EdgeTarget target, EdgeConfigDocument document) {
            throw refused(target);
        }

        @Override
        public Optional<EdgeConfigDocument> readBack(EdgeTarget target, String functionName, String alias) {
            throw refused(target);
        }

        private EdgeRefusedException refused(EdgeTarget target) {
            return new EdgeRefusedException("edge " + target.name() + ": this controller has no edge publisher");
        }
    };

    /** The platform refused the call for a reason a retry does not fix (bad token, unknown store, bad request). */
    class EdgeRefusedException extends RuntimeException {
        public EdgeRefusedException(String message) {
            super(message);
        }
    }
}
