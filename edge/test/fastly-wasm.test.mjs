// Fastly Compute: the adapter and the core compile to WebAssembly with js-compute-runtime (what `fastly compute build`
// runs). Viceroy cannot be installed here to run it; fastly-node.test.mjs runs its request logic.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

test("the Fastly adapter builds to a Wasm component with js-compute-runtime", { timeout: 120_000 }, async (t) => {
  // The package exports no path to its CLI: it sits beside the entry point, in dist/cli.
  const cli = join(dirname(createRequire(import.meta.url).resolve("@fastly/js-compute")), "cli", "js-compute-runtime-cli.js");
  const out = mkdtempSync(join(tmpdir(), "fastly-wasm-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const wasm = join(out, "main.wasm");
  await promisify(execFile)(process.execPath, [cli, fileURLToPath(new URL("../fastly/src/index.js", import.meta.url)), wasm]);
  const bytes = readFileSync(wasm);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "a WebAssembly binary");
  assert.ok(bytes.length > 1_000_000, `${bytes.length} bytes`);
});
