// Router decision time per runtime (`npm run bench:edge`): batches of decisions, timed per batch; prints a table.
// workerd freezes its clocks while code runs (a Spectre mitigation), so its batches are timed from outside, less the
// median round trip of an empty batch. Fastly's Wasm build cannot run here (Viceroy is not installable).
import * as esbuild from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { Miniflare } from "miniflare";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ES_MODULES } from "../cloudflare/miniflare.mjs";
import { decideBatch } from "./decide-batch.js";

const BATCH = 50;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const WARM_BATCHES = 20;

async function measure(runBatch, overheadMs = 0) {
  for (let b = 0; b < WARM_BATCHES; b++) await runBatch(b * BATCH);
  const perDecisionUs = [];
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const ms = await runBatch((WARM_BATCHES + b) * BATCH);
    perDecisionUs.push(Math.max(ms - overheadMs, 0) * 1000 / BATCH);
  }
  const totalMs = performance.now() - started - overheadMs * BATCHES;
  perDecisionUs.sort((a, b) => a - b);
  const at = (q) => perDecisionUs[Math.min(perDecisionUs.length - 1, Math.floor(q * perDecisionUs.length))];
  return { perSecond: Math.round((BATCH * BATCHES) / (totalMs / 1000)), p50: at(0.5), p99: at(0.99) };
}

const timed = (run) => async (first) => {
  const t = performance.now();
  await run(first);
  return performance.now() - t;
};

async function nodeRow() {
  return measure(timed((first) => decideBatch(first, BATCH)));
}

async function edgeRuntimeRow() {
  const built = await esbuild.build({ entryPoints: [fileURLToPath(new URL("decide-batch.js", import.meta.url))], bundle: true,
    format: "iife", globalName: "bench", write: false, logLevel: "error" });
  const runtime = new EdgeRuntime({ initialCode: built.outputFiles[0].text });
  // Timed inside the runtime: its performance.now() runs freely.
  return measure((first) => runtime.evaluate(
    `(async () => { const t = performance.now(); await bench.decideBatch(${first}, ${BATCH}); return performance.now() - t; })()`));
}

async function workerdRow() {
  const mf = new Miniflare({ modules: true, modulesRoot: fileURLToPath(new URL("..", import.meta.url)), modulesRules: ES_MODULES,
    scriptPath: fileURLToPath(new URL("workerd-bench.js", import.meta.url)), compatibilityDate: "2026-07-01" });
  try {
    const worker = await mf.getWorker();
    const batch = (count) => timed((first) => worker.fetch(`http://bench/?first=${first}&count=${count}`).then((r) => r.text()));
    const empty = [];
    for (let i = 0; i < 200; i++) empty.push(await batch(0)(0));
    empty.sort((a, b) => a - b);
    return await measure(batch(BATCH), empty[100]);
  } finally {
    await mf.dispose();
  }
}

const rows = [
  ["workerd (Cloudflare Workers, Miniflare)", await workerdRow()],
  ["edge-runtime (Vercel Edge)", await edgeRuntimeRow()],
  ["Node.js " + process.versions.node + " (Fastly request logic)", await nodeRow()],
];
console.log(`${BATCHES} batches of ${BATCH} decisions per runtime (each: cookie key, SHA-256 bucket, HMAC-signed decision)\n`);
console.log("| runtime | decisions/s | µs per decision p50 | µs per decision p99 |");
console.log("|---|---:|---:|---:|");
for (const [name, r] of rows) console.log(`| ${name} | ${r.perSecond.toLocaleString("en-US")} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
console.log("| Fastly Compute (Wasm) | not run: Viceroy is not installable here | | |");
