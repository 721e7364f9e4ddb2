// Cloudflare Workers: the real worker.js inside workerd (Miniflare), its document in Workers KV.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ES_MODULES, KV_BINDING, workersRouter } from "../cloudflare/miniflare.mjs";
import { DIRECT, edgeDoc, originReply, routerContract, SETTINGS } from "./support.mjs";

const KEY = "rag-canary/rag-answer/live";

async function openWorkerd() {
  const lines = [];
  let forwarded = null;
  const mf = workersRouter({
    bindings: SETTINGS,
    outbound: async (request) => {
      forwarded = { url: request.url, method: request.method, headers: Object.fromEntries(request.headers) };
      return originReply();
    },
    onLine: (line) => lines.push(JSON.parse(line)),
    extraWorkers: [{ name: "probe", modules: true, modulesRoot: fileURLToPath(new URL("..", import.meta.url)),
      scriptPath: fileURLToPath(new URL("workerd-bucket-probe.js", import.meta.url)), modulesRules: ES_MODULES, compatibilityDate: "2026-07-01" }],
  });
  const kv = await mf.getKVNamespace(KV_BINDING);
  const probe = await mf.getWorker("probe");
  /** workerd writes the Worker's log lines to its stdout a moment after the response. */
  const nextLines = async (count) => {
    for (let waited = 0; lines.length < count && waited < 2000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    return lines.splice(0, lines.length);
  };
  return {
    mf,
    lines,
    nextLines,
    publish: (doc) => (doc === null ? kv.delete(KEY) : kv.put(KEY, typeof doc === "string" ? doc : JSON.stringify(doc))),
    route: async ({ headers }) => {
      await nextLines(0);
      const response = await mf.dispatchFetch("https://edge.example/answer?q=1", { headers });
      const body = await response.text();
      return { forwarded, status: response.status, headers: Object.fromEntries(response.headers), body, lines: await nextLines(1) };
    },
    buckets: async (rows) => (await probe.fetch("http://probe/", { method: "POST", body: JSON.stringify(rows) })).json(),
    close: () => mf.dispose(),
  };
}

routerContract("Cloudflare Workers in workerd", openWorkerd);

test("a Cron Trigger warms both direct-origin versions and its lines carry no metrics", { timeout: 30_000 }, async (t) => {
  const workerd = await openWorkerd();
  t.after(() => workerd.close());
  await workerd.publish(edgeDoc({ ...DIRECT, weight: 0.05, stage: "five" }));
  const worker = await workerd.mf.getWorker("router");
  await worker.scheduled({ cron: "*/5 * * * *" });
  const lines = await workerd.nextLines(2);
  assert.deepEqual(lines.map((l) => [l.variant, l.warm_ping, l.routing.reason, "_aws" in l, "Requests" in l]).sort(),
    [["canary-v8", true, "WARM_UP", false, false], ["control-v7", true, "WARM_UP", false, false]]);
});
