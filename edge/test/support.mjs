// Shared by every runtime's tests: the repository's vector files, a rollout document, settings, and the router
// contract each platform adapter must pass (bucket vectors, monotonic ramp, epoch, header hygiene, fallback, telemetry).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const events = new URL("../../events/", import.meta.url);
export const bucketVectors = JSON.parse(readFileSync(new URL("bucket-test-vectors.json", events), "utf8"));
export const decisionVectors = JSON.parse(readFileSync(new URL("edge-decision-vectors.json", events), "utf8"));

export const JWT_SECRET = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
export const DECISION_KEYS = JSON.stringify({ keys: [{ kid: "test-1", secret: btoa(String.fromCharCode(...new Uint8Array(32).fill(9))) }] });
export const STICKY_COOKIE = "rc_user";

/** The router's settings as each platform stores them: keys by cookie (unicode keys fit), tenants from HS256 tokens. */
export const SETTINGS = {
  TARGET_FUNCTION: "rag-answer", TARGET_ALIAS: "live", ORIGIN_URL: "https://core.example",
  DECISION_KEYS, STICKY_SOURCE: "cookie", STICKY_NAME: STICKY_COOKIE, JWT_ALG: "HS256", JWT_KEY: JWT_SECRET,
};

/** Rollout stages in ramp order, from the vector file. */
export const STAGES = Object.entries(bucketVectors.stages).sort(([, a], [, b]) => a - b);

export function edgeDoc(fields) {
  return { schemaVersion: 1, rolloutId: "rag-answer-live-v42", functionName: "rag-answer", alias: "live", stage: "one",
    weight: 0.01, epoch: 1, status: "ACTIVE", salt: "rag-answer-live-v42", controlVersion: "7", canaryVersion: "8",
    trustedTenants: ["tenant-a"], stickyHours: 24, publishedAt: "2026-12-01T15:00:00Z", revision: 1, ...fields };
}

export const DIRECT = { origins: { control: "https://control.example", canary: "https://canary.example" } };

export async function hs256Token(claims) {
  const enc = (o) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const body = `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}`;
  const key = await crypto.subtle.importKey("raw", Uint8Array.from(atob(JWT_SECRET), (c) => c.charCodeAt(0)),
    { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `${body}.${btoa(String.fromCharCode(...sig)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

export function parseDecision(value) {
  if (!value) return null;
  return Object.fromEntries(value.split(";").map((field) => field.split("=")));
}

export function cookieFor(key) {
  return `theme=dark; ${STICKY_COOKIE}=${encodeURIComponent(key)}`;
}

/** The fields of the Lambda router's telemetry line (Telemetry.java) every counted edge line carries. */
const LINE_FIELDS = ["ts", "function", "alias", "route", "variant", "region", "cold_start", "warm_ping", "latency_ms",
  "status", "routing", "_aws", "Function", "Alias", "Variant", "ColdStart", "FailureClass", "LatencyMs", "Requests",
  "Errors", "CacheHits", "CacheMisses", "PrefixCollisions", "RoutingFallbacks"];

/**
 * The contract every adapter passes inside its runtime. `open()` returns a runtime:
 *   publish(doc | raw text | null)  stores the rollout document where the adapter reads it
 *   route({headers, method?, body?}) -> {forwarded: {url, headers}, status, headers, lines}  (lines: telemetry of it)
 *   buckets(rows) -> numbers computed inside the runtime
 *   close()
 */
export function routerContract(name, open) {
  test(`${name}: the router contract`, { timeout: 60_000 }, async (t) => {
    const runtime = await open();
    t.after(() => runtime.close());
    let revision = 0;
    const publish = (fields) => runtime.publish(edgeDoc({ ...fields, revision: ++revision }));

    await t.test("computes every row of events/bucket-test-vectors.json inside the runtime", async () => {
      const buckets = await runtime.buckets(bucketVectors.vectors.map(({ salt, key }) => ({ salt, key })));
      assert.deepEqual(buckets, bucketVectors.vectors.map((row) => row.bucket));
    });

    await t.test("routes every vector row as the file says at every stage, and a raise only adds keys", async () => {
      for (const salt of new Set(bucketVectors.vectors.map((row) => row.salt))) {
        const rows = bucketVectors.vectors.filter((row) => row.salt === salt);
        let canaryBefore = new Set();
        for (const [stage, weight] of STAGES) {
          await publish({ rolloutId: salt, salt, stage, weight, epoch: 1 });
          const canary = new Set();
          for (const row of rows) {
            const routed = await runtime.route({ headers: { cookie: cookieFor(row.key) } });
            const decision = parseDecision(routed.forwarded.headers["x-canary-decision"]);
            if (row.key === "") {
              assert.equal(decision, null, "a blank key is unkeyed: the alias decides, nothing is signed");
              continue;
            }
            assert.deepEqual([decision.rollout, decision.epoch, Number(decision.bucket), decision.variant],
              [salt, "1", row.bucket, row.variants[stage]], `${salt}:${row.key} at ${stage}`);
            if (decision.variant === "canary") canary.add(row.key);
          }
          for (const key of canaryBefore) assert.ok(canary.has(key), `${key} left the canary when ${stage} raised the weight`);
          canaryBefore = canary;
        }
      }
    });

    await t.test("after a rollback's epoch bump no key is on the canary, and an older document cannot undo it", async () => {
      const rows = bucketVectors.vectors.filter((row) => row.salt === "rag-answer-live-v42" && row.key !== "");
      const at = async () => Promise.all(rows.map(async (row) => new URL((await runtime.route({ headers: { cookie: cookieFor(row.key) } })).forwarded.url).host));
      await publish({ ...DIRECT, stage: "fifty", weight: 0.5, epoch: 1 });
      const staleRevision = revision;
      assert.ok((await at()).includes("canary.example"));
      await publish({ ...DIRECT, stage: "fifty", weight: 0, epoch: 2, status: "ROLLED_BACK" });
      assert.deepEqual(new Set(await at()), new Set(["control.example"]));
      // An edge cache serving the pre-rollback copy (lower revision) is ignored once the newer one was seen.
      await runtime.publish(edgeDoc({ ...DIRECT, stage: "fifty", weight: 0.5, epoch: 1, revision: staleRevision }));
      const afterStale = await runtime.route({ headers: { cookie: cookieFor("h34") } });
      assert.equal(new URL(afterStale.forwarded.url).host, "control.example");
      assert.equal(afterStale.lines[0].routing.edge.stale_config_ignored, true);
      assert.equal(afterStale.lines[0].routing.epoch, 2);
    });

    await t.test("drops client-sent decision, identity and warm headers and honours x-exp only for trusted tenants", async () => {
      await publish({ stage: "one", weight: 0.01, epoch: 3 });
      const forged = { "x-canary-decision": "rollout=rag-answer-live-v42;epoch=3;bucket=1;variant=canary;iat=1",
        "x-canary-signature": "kid=test-1;sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x-tenant-id": "tenant-a",
        "x-user-id": "mallory", "x-warm": "true", "x-exp": "canary", cookie: cookieFor("tenant-acme") };
      const untrusted = await runtime.route({ headers: forged });
      const h = untrusted.forwarded.headers;
      assert.equal(parseDecision(h["x-canary-decision"]).bucket, "7145");
      assert.equal(parseDecision(h["x-canary-decision"]).variant, "control");
      assert.notEqual(h["x-canary-signature"], forged["x-canary-signature"]);
      for (const name of ["x-tenant-id", "x-user-id", "x-warm", "x-exp"]) assert.equal(h[name], undefined, name);
      assert.equal(untrusted.lines[0].routing.exp_ignored, true);
      assert.equal(untrusted.lines[0].warm_ping, false);
      assert.equal(untrusted.lines[0].Requests, 1);

      const token = await hs256Token({ sub: "alice", tenant_id: "tenant-a", exp: Math.floor(Date.now() / 1000) + 600 });
      const trusted = await runtime.route({ headers: { ...forged, authorization: `Bearer ${token}` } });
      assert.equal(trusted.forwarded.headers["x-exp"], "canary");
      assert.equal(trusted.forwarded.headers["x-tenant-id"], "tenant-a");
      assert.equal(trusted.forwarded.headers["x-user-id"], "alice");
      assert.equal(trusted.lines[0].routing.reason, "TRUSTED_EXPERIMENT");

      const badToken = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
      const unverified = await runtime.route({ headers: { ...forged, authorization: `Bearer ${badToken}` } });
      assert.equal(unverified.forwarded.headers["x-tenant-id"], undefined);
      assert.equal(unverified.lines[0].routing.exp_ignored, true);
    });

    await t.test("never fails a user: an unreadable document routes as the last one seen, none at all to the alias", async () => {
      await publish({ stage: "fifty", weight: 0.5, epoch: 4 });
      await runtime.publish("{not json");
      const unreadable = await runtime.route({ headers: { cookie: cookieFor("h34") } });
      assert.equal(unreadable.status, 200);
      assert.equal(unreadable.forwarded.headers["x-canary-decision"], undefined);
      assert.equal(unreadable.headers["x-exp"], "control");
      assert.deepEqual([unreadable.lines[0].routing.reason, unreadable.lines[0].routing.fallback, unreadable.lines[0].RoutingFallbacks],
        ["STORE_UNAVAILABLE", true, 1]);
      assert.match(unreadable.lines[0].routing.edge.cause, /not JSON/);

      await runtime.publish(null);
      const none = await runtime.route({ headers: { cookie: cookieFor("h34") } });
      assert.equal(none.lines[0].routing.reason, "NO_ACTIVE_ROLLOUT");
      assert.equal(none.lines[0].variant, "alias");
    });

    await t.test("writes the Lambda router's telemetry line", async () => {
      await publish({ stage: "fifty", weight: 0.5, epoch: 5 });
      const routed = await runtime.route({ headers: { cookie: cookieFor("h34") } });
      const line = routed.lines[0];
      for (const field of LINE_FIELDS) assert.ok(field in line, `telemetry field ${field}`);
      assert.deepEqual([line.function, line.alias, line.variant, line.version, line.sticky, line.routing.reason],
        ["rag-answer", "live", "canary-v8", "8", "h4751", "BUCKETED"]);
      assert.deepEqual(line.egress, [{ webhook: "billing", success: true }], "egress copied from the RAG body");
      assert.equal(routed.body.includes("egress"), false, "and removed from what the user gets");
      assert.equal(line.cache.hit, true);
      assert.equal(line._aws.CloudWatchMetrics[0].Namespace, "RagCanary/Router");
    });

    await t.test("a new rollout starts again at revision 1 and replaces the old one, whose late copy is ignored", async () => {
      const route = async () => runtime.route({ headers: { cookie: cookieFor("h34") } });
      const next = (fields) => edgeDoc({ rolloutId: "rag-answer-live-v43", salt: "rag-answer-live-v43", controlVersion: "8",
        canaryVersion: "9", publishedAt: "2026-12-02T09:00:00.123456789Z", ...fields });
      await runtime.publish(edgeDoc({ stage: "full", weight: 1, epoch: 5, status: "PROMOTED", revision: ++revision,
        publishedAt: "2026-12-01T16:00:00Z" }));
      await runtime.publish(next({ stage: "fifty", weight: 0.5, revision: 1 }));
      const started = await route();
      assert.deepEqual([started.lines[0].routing.rollout, started.lines[0].routing.reason, started.lines[0].routing.edge.stale_config_ignored],
        ["rag-answer-live-v43", "BUCKETED", undefined]);
      assert.equal(parseDecision(started.forwarded.headers["x-canary-decision"]).rollout, "rag-answer-live-v43");

      await runtime.publish(next({ stage: "fifty", weight: 0, epoch: 2, status: "ROLLED_BACK", revision: 2,
        publishedAt: "2026-12-02T09:05:00Z" }));
      assert.deepEqual([(await route()).lines[0].routing.reason, (await route()).lines[0].variant], ["ROLLED_BACK", "control-v8"]);
      // An edge cache still holding the old rollout's last ACTIVE copy (a higher revision, published earlier).
      await runtime.publish(edgeDoc({ stage: "fifty", weight: 0.5, epoch: 5, revision, publishedAt: "2026-12-01T15:59:00Z" }));
      const late = await route();
      assert.deepEqual([late.lines[0].routing.rollout, late.lines[0].routing.reason, late.lines[0].routing.edge.stale_config_ignored],
        ["rag-answer-live-v43", "ROLLED_BACK", true]);
    });
  });
}

/** What the stub origin answers: a RAG body with the fields the telemetry line copies. */
export function originReply() {
  return new Response(JSON.stringify({ answer: "42", cache: { hit: true, prefix: "v8/" }, latency_ms: { retrieve: 3 },
    egress: [{ webhook: "billing", success: true }] }), { status: 200, headers: { "content-type": "application/json" } });
}
