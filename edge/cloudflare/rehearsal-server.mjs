#!/usr/bin/env node
// Runs the Workers router in workerd (Miniflare) on 127.0.0.1 for a local rehearsal: users call it, it routes to
// --origin. Its KV namespace holds the document in --config, re-read whenever the file changes (write it atomically).
// stdout: first line {"url": "http://127.0.0.1:<port>"}, then one JSON object a line: {"loaded": {"rolloutId",
// "revision"} | null} once the router reads --config's document (at start and after each change), else the router's
// telemetry lines.
// Stops on SIGTERM, SIGINT or when stdin closes. Interface: docs/edge.md "Rehearsal server".
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { parseArgs } from "node:util";
import { configKey } from "../core/config.js";
import { KV_BINDING, workersRouter } from "./miniflare.mjs";

const usage = "usage: rehearsal-server.mjs --config <document.json> --origin <url> --keys <decision-keys.json> "
  + "--function <name> --alias <alias> [--port 0] [--sticky-source header|cookie|claim] [--sticky-name x-sticky-key] [--jwt-secret <base64, HS256>]";
let args;
try {
  ({ values: args } = parseArgs({ options: {
    config: { type: "string" }, origin: { type: "string" }, keys: { type: "string" }, function: { type: "string" },
    alias: { type: "string" }, port: { type: "string", default: "0" }, "sticky-source": { type: "string", default: "header" },
    "sticky-name": { type: "string", default: "x-sticky-key" }, "jwt-secret": { type: "string" } } }));
  const missing = ["config", "origin", "keys", "function", "alias"].filter((name) => !args[name]);
  if (missing.length > 0) throw new Error(`missing ${missing.map((m) => `--${m}`).join(", ")}`);
} catch (bad) {
  console.error(`${bad.message}\n${usage}`);
  process.exit(2);
}

const mf = workersRouter({
  port: Number(args.port),
  bindings: { TARGET_FUNCTION: args.function, TARGET_ALIAS: args.alias, ORIGIN_URL: args.origin,
    DECISION_KEYS: readFileSync(args.keys, "utf8"), STICKY_SOURCE: args["sticky-source"], STICKY_NAME: args["sticky-name"],
    // With a secret, tenant_id and sub of an HS256 bearer token become x-tenant-id and x-user-id (and may key users).
    ...(args["jwt-secret"] ? { JWT_ALG: "HS256", JWT_KEY: args["jwt-secret"] } : {}) },
  // Miniflare's KV has no edge cache: a republished document is read on the next request.
  onLine: (line) => process.stdout.write(`${line}\n`),
});
const kv = await mf.getKVNamespace(KV_BINDING);
const key = configKey(args.function, args.alias);

/** Puts the --config file's document in KV (none: deleted) and says which one on stdout once the router can read it. */
async function seed() {
  let text;
  try {
    text = readFileSync(args.config, "utf8");
  } catch {
    await kv.delete(key); // no document: the router sends everyone to the alias, as in production
    return loaded(null);
  }
  await kv.put(key, text);
  let doc = null;
  try {
    doc = JSON.parse(text);
  } catch {
    // an unreadable document is stored as it is: the router's fallback is what a rehearsal of it shows
  }
  return loaded({ rolloutId: doc?.rolloutId ?? null, revision: doc?.revision ?? null });
}

function loaded(doc) {
  process.stdout.write(`${JSON.stringify({ loaded: doc })}\n`);
}

const url = await mf.ready;
process.stdout.write(`${JSON.stringify({ url: url.origin })}\n`);
watchFile(args.config, { interval: 100 }, () => seed().catch((e) => console.error(`reseeding KV failed: ${e.message}`)));
await seed();

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  unwatchFile(args.config);
  await mf.dispose();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
