// Vercel Edge: the real middleware.js bundled as Vercel bundles it, run in edge-runtime (Vercel's Edge Runtime, open
// source), reading its document through @vercel/edge-config from a stub that answers like the Edge Config REST API.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as esbuild from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { edgeDoc, routerContract, SETTINGS } from "./support.mjs";

const EDGE_CONFIG_ID = "ecfg_ragcanarytest";
const EDGE_CONFIG_TOKEN = "read-token";
const ITEM_KEY = "rag-canary_rag-answer_live";

async function bundle() {
  const built = await esbuild.build({ entryPoints: [new URL("../vercel/middleware.js", import.meta.url).pathname],
    bundle: true, format: "iife", globalName: "middleware", write: false, platform: "browser",
    conditions: ["edge-light", "worker", "browser"], logLevel: "error" });
  return built.outputFiles[0].text;
}

const bucketsBundle = esbuild.build({ entryPoints: [new URL("../core/bucket.js", import.meta.url).pathname],
  bundle: true, format: "iife", globalName: "edgeBucket", write: false, logLevel: "error" });

async function openEdgeRuntime() {
  let stored = null;
  let forwarded = null;
  const lines = [];
  const edgeConfigReads = [];
  const runtime = new EdgeRuntime({
    initialCode: `${await bundle()}\n${(await bucketsBundle).outputFiles[0].text}
      addEventListener("fetch", (event) => event.respondWith(middleware.default(event.request)));`,
    extend(context) {
      context.process = { env: { ...SETTINGS, EDGE_CONFIG: `https://edge-config.vercel.com/${EDGE_CONFIG_ID}?token=${EDGE_CONFIG_TOKEN}` } };
      context.console = { ...console, log: (line) => lines.push(JSON.parse(line)) };
      context.fetch = async (input, init) => {
        const request = new context.Request(input, init);
        const url = new URL(request.url);
        if (url.host === "edge-config.vercel.com") {
          edgeConfigReads.push({ path: url.pathname, authorization: request.headers.get("authorization") });
          // The Edge Config REST API: 404 with x-edge-config-digest for an item the config does not hold.
          if (url.pathname === `/${EDGE_CONFIG_ID}/item/${ITEM_KEY}` && stored !== null) {
            return new context.Response(JSON.stringify(stored), { headers: { "content-type": "application/json", "x-edge-config-digest": "d1" } });
          }
          return new context.Response(JSON.stringify({ error: { code: "edge_config_item_not_found" } }), { status: 404, headers: { "x-edge-config-digest": "d1" } });
        }
        forwarded = { url: request.url, headers: Object.fromEntries(request.headers) };
        return new context.Response(JSON.stringify({ answer: "42", cache: { hit: true, prefix: "v8/" }, latency_ms: { retrieve: 3 },
          egress: [{ webhook: "billing", success: true }] }), { headers: { "content-type": "application/json" } });
      };
      return context;
    },
  });
  return {
    edgeConfigReads,
    // Edge Config holds JSON values: the document is stored as an object (or, to test an unreadable one, as text).
    publish: (doc) => { stored = doc; },
    route: async ({ headers }) => {
      lines.length = 0;
      const response = await runtime.dispatchFetch("https://edge.example/answer?q=1", { headers });
      const body = await response.text();
      return { forwarded, status: response.status, headers: Object.fromEntries(response.headers), body, lines: [...lines] };
    },
    // Computed in the runtime's realm and handed back as JSON (its arrays are not this realm's).
    buckets: async (rows) => JSON.parse(await runtime.evaluate(
      `Promise.all(${JSON.stringify(rows)}.map(({ salt, key }) => edgeBucket.bucketOf(salt, key))).then(JSON.stringify)`)),
    close: () => {},
  };
}

routerContract("Vercel Edge in edge-runtime", openEdgeRuntime);

test("Vercel reads the '_' item key from Edge Config with the connection string's token", async () => {
  const vercel = await openEdgeRuntime();
  vercel.publish(edgeDoc({}));
  await vercel.route({ headers: {} });
  assert.deepEqual(vercel.edgeConfigReads.at(-1), { path: `/${EDGE_CONFIG_ID}/item/${ITEM_KEY}`, authorization: `Bearer ${EDGE_CONFIG_TOKEN}` });
});
