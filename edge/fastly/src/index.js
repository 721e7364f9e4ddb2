/// <reference types="@fastly/js-compute" />
// Fastly Compute entry point: `fastly compute publish` from edge/fastly (docs/edge.md "Fastly Compute").
import { ConfigStore } from "fastly:config-store";
import { SecretStore } from "fastly:secret-store";
import { env } from "fastly:env";
import { createFastlyHandler } from "./handler.js";

let handle = null;

// Built on the first request, not at module top level: js-compute snapshots top-level code at build time, when no
// store or environment exists yet.
function handler() {
  handle ??= createFastlyHandler({
    stores: {
      settings: new ConfigStore("rag_canary_settings"),
      rollouts: new ConfigStore("rag_canary_rollouts"),
      secrets: { get: async (name) => (await new SecretStore("rag_canary_secrets").get(name))?.plaintext() ?? null },
    },
    // Backends are named in the service: "origin" (the core router), and "control"/"canary" for direct origins.
    send: (request, backend) => fetch(request, { backend }),
    log: (line) => console.log(line),
    edgePop: env("FASTLY_POP")?.toLowerCase() ?? null,
  });
  return handle;
}

addEventListener("fetch", (event) => event.respondWith(handler()(event.request)));
