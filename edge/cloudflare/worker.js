// Cloudflare Workers adapter: the document from Workers KV, settings from vars and secrets (wrangler.jsonc).
import { configKey } from "../core/config.js";
import { createEdgeRouter } from "../core/router.js";
import { readSettings } from "../core/settings.js";
import { refusedForSettings } from "../core/platform.js";

/** How long a PoP may serve a KV read from its cache (KV's minimum is 30 s; docs/edge.md "Propagation"). */
const DEFAULT_CACHE_SECONDS = 30;

let router = null;

function routerFor(env) {
  router ??= createEdgeRouter(readSettings((name) => env[name]), { platform: "cloudflare", region: "edge-cloudflare" });
  return router;
}

function io(env, edgePop) {
  const key = configKey(env.TARGET_FUNCTION, env.TARGET_ALIAS);
  const cacheTtl = Number(env.CONFIG_CACHE_SECONDS ?? DEFAULT_CACHE_SECONDS);
  return {
    readConfig: () => env.ROLLOUT_CONFIG.get(key, { type: "text", cacheTtl }),
    send: (forwarded) => fetch(forwarded),
    log: (line) => console.log(line),
    edgePop,
  };
}

export default {
  async fetch(request, env) {
    let edgeRouter;
    try {
      edgeRouter = routerFor(env);
    } catch (misconfigured) {
      return refusedForSettings(misconfigured, (line) => console.log(line));
    }
    return edgeRouter.route(request, io(env, request.cf?.colo?.toLowerCase() ?? null));
  },

  /** Cron Trigger: warms direct-origin versions; its lines are warm pings, never counted. */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(routerFor(env).warmUp(io(env, null)));
  },
};
