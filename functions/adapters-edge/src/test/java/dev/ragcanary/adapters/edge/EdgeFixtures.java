package dev.ragcanary.adapters.edge;

import dev.ragcanary.core.ports.SecretReader;
import dev.ragcanary.core.rollout.EdgeTarget;
import dev.ragcanary.core.traffic.EdgeConfigDocument;
import dev.ragcanary.core.traffic.RolloutStatus;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;

/** Edges, a document and the token each edge's secret holds, for the adapters' stub-server tests. */
final class EdgeFixtures {
    static final String CF_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rag-canary/edge/cf-AbCdEf";
    static final String VERCEL_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rag-canary/edge/vc-AbCdEf";
    static final String FASTLY_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rag-canary/edge/fy-AbCdEf";
    static final Map<String, String> TOKENS = Map.of(CF_SECRET, "cf-token-Y2xvdWRmbGFyZQ",
            VERCEL_SECRET, "vercel-token-dmVyY2Vs", FASTLY_SECRET, "fastly-token-ZmFzdGx5\n");
    static final SecretReader SECRETS = TOKENS::get;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static final EdgeTarget CLOUDFLARE = new EdgeTarget(EdgeTarget.CLOUDFLARE_KV, "cloudflare-prod",
            "023e105f4ecef8ad9ca31a8372d0c353", "0f2ac74b498b48028cb68387c421e279", null, null, null, CF_SECRET,
            new EdgeTarget.Origins("https://control.example.com", "https://canary.example.com"));
    static final EdgeTarget VERCEL = new EdgeTarget(EdgeTarget.VERCEL_EDGE_CONFIG, "vercel-prod", null, null,
            "ecfg_2kbq3xfpm4aoyjmrtv7qhkh5bjmd", "team_9Qe3Fz1kLmN0", null, VERCEL_SECRET, null);
    static final EdgeTarget FASTLY = new EdgeTarget(EdgeTarget.FASTLY_CONFIG_STORE, "fastly-prod", null, null, null,
            null, "7Xb2mQpR9sT4uV6wY8zA1c", FASTLY_SECRET, null);

    static final EdgeConfigDocument DOCUMENT = new EdgeConfigDocument(1, "rag-answer-live-v42", "rag-answer", "live",
            "five", 0.05, 2, RolloutStatus.ACTIVE, "rag-answer-live-v42", "41", "42",
            new EdgeTarget.Origins("https://control.example.com", "https://canary.example.com"),
            List.of("acme-internal"), 24, "2026-12-01T15:00:00Z", 17);

    private EdgeFixtures() {
    }
}
