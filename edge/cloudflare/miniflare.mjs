// The Workers router in workerd through Miniflare: used by the tests and by rehearsal-server.mjs.
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";

export const KV_BINDING = "ROLLOUT_CONFIG";
const edgeRoot = fileURLToPath(new URL("..", import.meta.url));
/** The workspace is "type": "module": its .js files are ES modules, as wrangler bundles them. */
export const ES_MODULES = [{ type: "ESModule", include: ["**/*.js"] }];

/**
 * @param bindings the Worker's vars and secrets (readSettings names)
 * @param outbound (Request) -> Response for every request the Worker sends; omit to reach the real network
 * @param onLine   each line the Worker logs (its telemetry)
 * @param extraWorkers more Worker definitions to run beside the router (tests)
 */
export function workersRouter({ bindings, outbound, onLine, extraWorkers = [], port }) {
  return new Miniflare({
    ...(port !== undefined ? { host: "127.0.0.1", port } : {}),
    handleRuntimeStdio(stdout, stderr) {
      let pending = "";
      stdout.on("data", (chunk) => {
        const text = pending + chunk;
        const lines = text.split("\n");
        pending = lines.pop();
        lines.filter((line) => line.trim() !== "").forEach((line) => onLine(line));
      });
      stderr.pipe(process.stderr);
    },
    workers: [
      { name: "router", modules: true, modulesRoot: edgeRoot, scriptPath: fileURLToPath(new URL("worker.js", import.meta.url)),
        modulesRules: ES_MODULES, compatibilityDate: "2026-07-01", kvNamespaces: [KV_BINDING], bindings,
        ...(outbound ? { outboundService: outbound } : {}) },
      ...extraWorkers,
    ],
  });
}
