// One batch of router decisions (identity, sticky key, bucket, signed decision headers; no network), the same code in
// every runtime the benchmark drives. Each decision has its own key so no cache helps.
import { createEdgeRouter } from "../core/router.js";
import { readSettings } from "../core/settings.js";

const SETTINGS = {
  TARGET_FUNCTION: "rag-answer", TARGET_ALIAS: "live", ORIGIN_URL: "https://core.example", STICKY_SOURCE: "cookie",
  STICKY_NAME: "rc_user", DECISION_KEYS: JSON.stringify({ keys: [{ kid: "bench", secret: btoa("b".repeat(32)) }] }),
};
const DOC = { schemaVersion: 1, rolloutId: "bench", functionName: "rag-answer", alias: "live", stage: "ten", weight: 0.1,
  epoch: 1, status: "ACTIVE", salt: "bench", controlVersion: "7", canaryVersion: "8", trustedTenants: [], revision: 1 };

const router = createEdgeRouter(readSettings((name) => SETTINGS[name]), { platform: "bench", region: "bench" });

/** Runs `count` decisions starting at key number `first`; returns the canary count (so nothing is optimised away). */
export async function decideBatch(first, count) {
  let canary = 0;
  for (let i = first; i < first + count; i++) {
    const request = new Request("https://edge.example/answer", { headers: { cookie: `rc_user=user-${i}` } });
    const { decision } = await router.decide(request, { doc: DOC }, 1_764_601_200_000);
    if (decision.variant === "canary") canary++;
  }
  return canary;
}
