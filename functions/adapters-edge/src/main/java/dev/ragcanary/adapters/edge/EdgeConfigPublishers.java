package dev.ragcanary.adapters.edge;

import dev.ragcanary.core.ports.EdgeConfigPublisher;
import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.traffic.EdgeConfigDocument;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.Optional;

/** The publisher for each edge's platform: the weight shifter's one {@link EdgeConfigPublisher}. */
public final class EdgeConfigPublishers implements EdgeConfigPublisher {
    private final Map<String, EdgeConfigPublisher> byPlatform;

    public EdgeConfigPublishers(Map<String, EdgeConfigPublisher> byPlatform) {
        this.byPlatform = Map.copyOf(byPlatform);
    }

    /**
     * Every platform on its public API, or on {@code endpoints} (platform -> base URI) where given: a local stub.
     */
    public static EdgeConfigPublishers of(HttpClient http, SecretReader secrets, Map<String, URI> endpoints) {
        return new EdgeConfigPublishers(Map.of(
                EdgeTarget.CLOUDFLARE_KV, new CloudflareKvPublisher(http, secrets,
                        endpoints.getOrDefault(EdgeTarget.CLOUDFLARE_KV, CloudflareKvPublisher.API)),
                EdgeTarget.VERCEL_EDGE_CONFIG, new VercelEdgeConfigPublisher(http, secrets,
                        endpoints.getOrDefault(EdgeTarget.VERCEL_EDGE_CONFIG, VercelEdgeConfigPublisher.API)),
                EdgeTarget.FASTLY_CONFIG_STORE, new FastlyConfigStorePublisher(http, secrets,
                        endpoints.getOrDefault(EdgeTarget.FASTLY_CONFIG_STORE, FastlyConfigStorePublisher.API))));
    }

    @Override
    public void publish(EdgeTarget target, EdgeConfigDocument document) {
        of(target).publish(target, document);
    }

    @Override
    public Optional<EdgeConfigDocument> readBack(EdgeTarget target, String functionName, String alias) {
        return of(target).readBack(target, functionName, alias);
    }

    private EdgeConfigPublisher of(EdgeTarget target) {
        EdgeConfigPublisher publisher = byPlatform.get(target.platform());
        if (publisher == null) {
            throw new EdgeRefusedException("edge " + target.name() + ": no publisher for platform " + target.platform());
        }
        return publisher;
    }
}
