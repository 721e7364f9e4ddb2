// Fastly Compute's request logic in Node (Viceroy, Fastly's local server, is not installable here), against the same
// core and the same contract as the other runtimes; the Wasm build is fastly-wasm.test.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketOf } from "../core/bucket.js";
import { createFastlyHandler } from "../fastly/src/handler.js";
import { DIRECT, cookieFor, edgeDoc, originReply, routerContract, SETTINGS } from "./support.mjs";

function fastlyInNode(settings = SETTINGS) {
  let stored = null;
  let forwarded = null;
  const lines = [];
  const handle = createFastlyHandler({
    stores: {
      settings: { get: (name) => settings[name] ?? null },
      secrets: { get: async (name) => settings[name] ?? null },
      rollouts: { get: (key) => (key === "rag-canary_rag-answer_live" ? stored : null) },
    },
    send: async (request, backend) => {
      forwarded = { url: request.url, backend, headers: Object.fromEntries(request.headers) };
      return originReply();
    },
    log: (line) => lines.push(JSON.parse(line)),
    edgePop: "lhr",
  });
  return {
    publish: (doc) => { stored = doc === null || typeof doc === "string" ? doc : JSON.stringify(doc); },
    route: async ({ headers }) => {
      lines.length = 0;
      const response = await handle(new Request("https://edge.example/answer?q=1", { headers }));
      const body = await response.text();
      return { forwarded, status: response.status, headers: Object.fromEntries(response.headers), body, lines: [...lines] };
    },
    buckets: (rows) => Promise.all(rows.map(({ salt, key }) => bucketOf(salt, key))),
    close: () => {},
  };
}

routerContract("Fastly request logic in Node", async () => fastlyInNode());

test("Fastly sends each variant to its named backend and the rest to the origin backend", async () => {
  const fastly = fastlyInNode();
  fastly.publish(edgeDoc({ ...DIRECT, weight: 1, stage: "full" }));
  const direct = await fastly.route({ headers: { cookie: cookieFor("h34") } });
  assert.deepEqual([direct.forwarded.backend, direct.forwarded.url], ["canary", "https://canary.example/answer?q=1"]);
  assert.deepEqual([direct.forwarded.headers["x-exp"], direct.forwarded.headers["x-variant"]], ["canary", "8"]);
  assert.equal(direct.lines[0].edge_pop, "lhr");
  fastly.publish(edgeDoc({ weight: 1, stage: "full", revision: 2 }));
  const core = await fastly.route({ headers: { cookie: cookieFor("h34") } });
  assert.deepEqual([core.forwarded.backend, core.forwarded.url], ["origin", "https://core.example/answer?q=1"]);
});

test("Fastly answers 500 naming every missing setting and logs it", async () => {
  const { DECISION_KEYS, ORIGIN_URL, ...incomplete } = SETTINGS;
  const fastly = fastlyInNode(incomplete);
  const refused = await fastly.route({ headers: {} });
  assert.equal(refused.status, 500);
  assert.match(refused.body, /ORIGIN_URL is not set.*DECISION_KEYS is not set/);
  assert.equal(refused.lines[0].refused, "EDGE_SETTINGS");
});
