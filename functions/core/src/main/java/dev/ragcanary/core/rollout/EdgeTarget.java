package dev.ragcanary.core.rollout;

/**
 * An edge router's config store the weight shifter publishes the rollout to (the start input's {@code edges}). Which
 * ids are set depends on {@code platform}; the API token is never here, only the Secrets Manager secret that holds it.
 * A validated plan leaves out the null ones; {@link RolloutRequestParser#bindPlan} puts them back before binding.
 *
 * @param platform       {@link #CLOUDFLARE_KV}, {@link #VERCEL_EDGE_CONFIG} or {@link #FASTLY_CONFIG_STORE}
 * @param name           unique within the plan; names the edge in errors and the ledger
 * @param accountId      Cloudflare account id (cloudflare-kv)
 * @param namespaceId    Workers KV namespace id (cloudflare-kv)
 * @param edgeConfigId   Edge Config id, {@code ecfg_...} (vercel-edge-config)
 * @param teamId         Vercel team the Edge Config belongs to, or null for a personal account (vercel-edge-config)
 * @param storeId        Config Store id (fastly-config-store)
 * @param tokenSecretArn the Secrets Manager secret whose SecretString is the platform's API token
 * @param origins        where the edge sends each variant, or null when the edge forwards to one origin
 */
public record EdgeTarget(String platform, String name, String accountId, String namespaceId, String edgeConfigId,
                         String teamId, String storeId, String tokenSecretArn, Origins origins) {
    public static final String CLOUDFLARE_KV = "cloudflare-kv";
    public static final String VERCEL_EDGE_CONFIG = "vercel-edge-config";
    public static final String FASTLY_CONFIG_STORE = "fastly-config-store";

    /** The origin (https URL) of each variant. */
    public record Origins(String control, String canary) {
    }
}
