// The rehearsal server's interface (docs/edge.md "Rehearsal server"): URL on stdout's first line, routing through
// workerd to --origin, the KV document re-read when --config changes (said on stdout), telemetry lines on stdout.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DECISION_KEYS, edgeDoc, parseDecision } from "./support.mjs";

test("the rehearsal server routes through workerd and follows its config file", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "edge-rehearsal-"));
  const seen = [];
  const origin = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end('{"answer":"ok"}');
  });
  await new Promise((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const config = join(dir, "edge-config.json");
  const publish = (doc) => {
    writeFileSync(`${config}.tmp`, JSON.stringify(doc));
    renameSync(`${config}.tmp`, config);
  };
  writeFileSync(join(dir, "keys.json"), DECISION_KEYS);
  publish(edgeDoc({ weight: 1, stage: "full", revision: 1 }));
  const server = spawn(process.execPath, [fileURLToPath(new URL("../cloudflare/rehearsal-server.mjs", import.meta.url)),
    "--config", config, "--origin", `http://127.0.0.1:${origin.address().port}`, "--keys", join(dir, "keys.json"),
    "--function", "rag-answer", "--alias", "live"], { stdio: ["pipe", "pipe", "inherit"] });
  t.after(() => {
    server.stdin.end();
    origin.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const stdout = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
  const { url } = JSON.parse((await stdout.next()).value);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const next = async () => JSON.parse((await stdout.next()).value);
  assert.deepEqual(await next(), { loaded: { rolloutId: "rag-answer-live-v42", revision: 1 } });

  const ask = async () => (await fetch(`${url}/answer`, { headers: { "x-sticky-key": "h34" } })).text();
  assert.equal(await ask(), '{"answer":"ok"}');
  assert.equal(parseDecision(seen.at(-1)["x-canary-decision"]).variant, "canary");
  assert.equal((await next()).routing.reason, "BUCKETED");

  // Once the server says it loaded the new document, the next request is routed by it.
  publish(edgeDoc({ weight: 0, stage: "full", epoch: 2, status: "ROLLED_BACK", revision: 2 }));
  assert.deepEqual(await next(), { loaded: { rolloutId: "rag-answer-live-v42", revision: 2 } });
  await ask();
  const line = await next();
  assert.deepEqual([line.routing.reason, line.routing.epoch, line.variant], ["ROLLED_BACK", 2, "control-v7"]);

  rmSync(config);
  assert.deepEqual(await next(), { loaded: null });
});
