// The core on its own, in Node: decision vectors (contract B), the document reader, settings and identity.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigTracker, configKey, parseEdgeConfig } from "../core/config.js";
import { parseKeyring, signDecision, signingKey, verifyDecision } from "../core/decision.js";
import { createEdgeRouter } from "../core/router.js";
import { readSettings } from "../core/settings.js";
import { decisionVectors, edgeDoc, hs256Token, SETTINGS } from "./support.mjs";

const keyring = parseKeyring(decisionVectors.keys);

test("signs every signing row of events/edge-decision-vectors.json byte for byte", async () => {
  for (const row of decisionVectors.signing) {
    assert.deepEqual(await signDecision(keyring, row.decision, Date.parse(row.now)), row.headers, row.name);
  }
});

test("the reference verifier gives every verifying row its verdict", async () => {
  for (const row of decisionVectors.verifying) {
    assert.equal(await verifyDecision(row.headers, { keyring, nowMs: Date.parse(row.now), state: row.state }), row.expect, row.name);
  }
});

test("a rotation mid-rollout: the edge switches keys at notBefore and the core accepts both until notAfter", async () => {
  const state = { rolloutId: "r", epoch: 1, status: "ACTIVE" };
  const decision = (iat) => ({ rolloutId: "r", epoch: 1, bucket: 5, variant: "canary", iat });
  const before = Date.parse("2026-12-01T14:59:00Z");
  const after = Date.parse("2026-12-01T15:01:00Z");
  assert.equal(signingKey(keyring, before).kid, "k1");
  assert.equal(signingKey(keyring, after).kid, "k2");
  const oldEdge = await signDecision(keyring, decision(before / 1000), before);
  assert.equal(await verifyDecision(oldEdge, { keyring, nowMs: before + 60_000, state }), "trusted", "in flight across the switch");
  const retired = Date.parse("2026-12-01T16:00:00Z");
  assert.equal(await verifyDecision(await signDecision(parseKeyring({ keys: [decisionVectors.keys.keys[1]] }),
    decision(retired / 1000 - 1), retired - 1000), { keyring, nowMs: retired, state }), "unknown_key");
});

test("the keys secret and the document are refused with every problem named", () => {
  assert.throws(() => parseKeyring({ keys: [] }), /one or two keys/);
  assert.throws(() => parseKeyring({ keys: [{ kid: "k", secret: btoa("short") }] }), /\$\.keys\[0\]\.secret must hold at least 32 bytes/);
  assert.throws(() => parseEdgeConfig(JSON.stringify({ ...edgeDoc({}), weight: 2, status: "DONE", revision: -1 })),
    /\$\.revision must be a whole number >= 0; \$\.weight must be a number within 0\.\.1; \$\.status must be one of/);
  assert.throws(() => parseEdgeConfig(edgeDoc({ origins: { control: "ftp://x" } })), /\$\.origins\.control must be an http\(s\) URL; \$\.origins\.canary/);
  assert.deepEqual(parseEdgeConfig(JSON.stringify(edgeDoc({ trustedTenants: undefined }))).trustedTenants, []);
  assert.equal(configKey("rag-answer", "live"), "rag-canary/rag-answer/live");
  assert.equal(configKey("rag-answer", "live", "_"), "rag-canary_rag-answer_live");
});

test("an older revision never replaces a newer one", () => {
  const tracker = new ConfigTracker();
  tracker.accept(edgeDoc({ revision: 5, status: "ROLLED_BACK" }));
  assert.deepEqual([tracker.accept(edgeDoc({ revision: 4 })).stale, tracker.newest.status], [true, "ROLLED_BACK"]);
  assert.equal(tracker.accept(edgeDoc({ revision: 5, status: "ROLLED_BACK" })).stale, false);
});

test("a document without a UTC publishedAt is invalid: it orders documents across rollouts", () => {
  assert.throws(() => parseEdgeConfig(edgeDoc({ publishedAt: "yesterday" })), /\$\.publishedAt must be a UTC date-time/);
  assert.throws(() => parseEdgeConfig(edgeDoc({ publishedAt: undefined })), /\$\.publishedAt must be a UTC date-time/);
  assert.equal(parseEdgeConfig(edgeDoc({ publishedAt: "2026-12-01T15:00:00.123456789Z" })).revision, 1);
});

test("settings name every variable at fault", () => {
  assert.throws(() => readSettings(() => undefined), /TARGET_FUNCTION is not set.*TARGET_ALIAS is not set.*ORIGIN_URL is not set.*DECISION_KEYS is not set/);
  assert.throws(() => readSettings((n) => ({ ...SETTINGS, JWT_ALG: undefined, STICKY_SOURCE: "claim" })[n]), /STICKY_SOURCE claim needs JWT_ALG/);
  assert.throws(() => readSettings((n) => ({ ...SETTINGS, JWT_ALG: "none" })[n]), /JWT_ALG must be HS256 or RS256, not 'none'/);
});

async function routeOnce(settings, doc, headers) {
  const router = createEdgeRouter(readSettings((n) => settings[n]), { platform: "test", region: "edge-test" });
  const seen = {};
  const lines = [];
  await router.route(new Request("https://edge.example/", { headers }), {
    readConfig: async () => JSON.stringify(doc),
    send: async (request) => { Object.assign(seen, Object.fromEntries(request.headers)); return new Response("ok"); },
    log: (line) => lines.push(JSON.parse(line)),
  });
  return { seen, line: lines[0] };
}

test("sticky keys come from a header, a cookie or a verified claim, and a token with another alg is not read", async () => {
  const doc = edgeDoc({ weight: 0.5, stage: "fifty" });
  const byHeader = await routeOnce({ ...SETTINGS, STICKY_SOURCE: "header", STICKY_NAME: "x-session" }, doc, { "x-session": "h34" });
  assert.equal(byHeader.line.sticky, "h4751");
  const byClaim = { ...SETTINGS, STICKY_SOURCE: "claim", STICKY_NAME: "sub" };
  const token = await hs256Token({ sub: "h34", exp: Math.floor(Date.now() / 1000) + 60 });
  assert.equal((await routeOnce(byClaim, doc, { authorization: `Bearer ${token}` })).line.sticky, "h4751");
  const expired = await hs256Token({ sub: "h34", exp: Math.floor(Date.now() / 1000) - 1 });
  assert.equal((await routeOnce(byClaim, doc, { authorization: `Bearer ${expired}` })).line.routing.reason, "UNKEYED");
  const [, payload, sig] = token.split(".");
  const noneAlg = `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${payload}.${sig}`;
  assert.equal((await routeOnce(byClaim, doc, { authorization: `Bearer ${noneAlg}` })).line.routing.reason, "UNKEYED");
  const tooLong = await routeOnce(SETTINGS, doc, { cookie: `rc_user=${"k".repeat(1025)}` });
  assert.deepEqual([tooLong.line.routing.reason, tooLong.line.variant], ["UNPARSEABLE", "control-v7"]);
});

test("trusted tenants are on the canary from stage five, and the rollout's status decides as StickyRouter does", async () => {
  const token = await hs256Token({ sub: "u", tenant_id: "tenant-a", exp: Math.floor(Date.now() / 1000) + 60 });
  const trusted = { authorization: `Bearer ${token}`, cookie: "rc_user=tenant-acme" };
  assert.equal((await routeOnce(SETTINGS, edgeDoc({ weight: 0.01 }), trusted)).line.routing.reason, "BUCKETED");
  assert.equal((await routeOnce(SETTINGS, edgeDoc({ weight: 0.05, stage: "five" }), trusted)).line.routing.reason, "TRUSTED_TENANT");
  const promoted = await routeOnce(SETTINGS, edgeDoc({ status: "PROMOTED", weight: 1, controlVersion: "8" }), trusted);
  assert.deepEqual([promoted.line.variant, promoted.line.routing.reason, promoted.seen["x-canary-decision"]],
    ["control-v8", "NO_ACTIVE_ROLLOUT", undefined]);
  const unkeyed = await routeOnce(SETTINGS, edgeDoc({ weight: 0.5 }), {});
  assert.deepEqual([unkeyed.line.variant, unkeyed.line.routing.reason], ["alias", "UNKEYED"]);
});
