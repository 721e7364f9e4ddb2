// Vercel Routing (Edge) Middleware adapter: the document from Edge Config, settings from environment variables.
// Deploy edge/vercel as its own project: `vercel deploy` (docs/edge.md "Vercel").
import { createClient } from "@vercel/edge-config";
import { configKey } from "../core/config.js";
import { createEdgeRouter } from "../core/router.js";
import { readSettings } from "../core/settings.js";
import { refusedForSettings } from "../core/platform.js";

export const config = { matcher: "/:path*" };

let router = null;
let edgeConfig = null;

export default async function middleware(request) {
  const env = globalThis.process?.env ?? {};
  try {
    router ??= createEdgeRouter(readSettings((name) => env[name]), { platform: "vercel", region: "edge-vercel" });
    edgeConfig ??= createClient(env.EDGE_CONFIG);
  } catch (misconfigured) {
    return refusedForSettings(misconfigured, (line) => console.log(line));
  }
  // Edge Config keys allow only [A-Za-z0-9_-]: the '/' of the key becomes '_'.
  const key = configKey(env.TARGET_FUNCTION, env.TARGET_ALIAS, "_");
  return router.route(request, {
    readConfig: async () => (await edgeConfig.get(key)) ?? null,
    send: (forwarded) => fetch(forwarded),
    log: (line) => console.log(line),
    edgePop: request.headers.get("x-vercel-id")?.split("::")[0] ?? null,
  });
}
