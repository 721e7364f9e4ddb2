// Fastly Compute request logic, free of fastly:* imports so Node can test it (Viceroy is not installable here):
// the document from a Config Store, settings from a Config Store and a Secret Store, origins as named backends.
import { configKey } from "../../core/config.js";
import { createEdgeRouter } from "../../core/router.js";
import { readSettings } from "../../core/settings.js";
import { refusedForSettings } from "../../core/platform.js";

/** Secrets live in the Secret Store, the rest in the settings Config Store. */
export const SECRET_SETTINGS = ["DECISION_KEYS", "JWT_KEY"];

/**
 * @param stores {settings: {get(name)}, secrets: {get(name) -> Promise<string|null>}, rollouts: {get(key)}}
 *               (Config Store get returns the value or null)
 * @param send  (request, backend name) -> Promise<Response>: "origin", or "control"/"canary" for direct origins
 */
export function createFastlyHandler({ stores, send, log, edgePop }) {
  let router = null;
  return async function handle(request) {
    try {
      if (router === null) {
        const secrets = Object.fromEntries(await Promise.all(SECRET_SETTINGS.map(async (name) => [name, await stores.secrets.get(name)])));
        const get = (name) => (SECRET_SETTINGS.includes(name) ? secrets[name] : stores.settings.get(name)) ?? undefined;
        router = createEdgeRouter(readSettings(get), { platform: "fastly", region: "edge-fastly" });
      }
    } catch (misconfigured) {
      return refusedForSettings(misconfigured, log);
    }
    // Config Store keys allow no '/': the key's '/' becomes '_'.
    const key = configKey(stores.settings.get("TARGET_FUNCTION"), stores.settings.get("TARGET_ALIAS"), "_");
    return router.route(request, { readConfig: () => stores.rollouts.get(key), send, log, edgePop });
  };
}
