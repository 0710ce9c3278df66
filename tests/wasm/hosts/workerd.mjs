// Serving a worker in Cloudflare workerd (the npm `workerd` package's binary), shared by
// workerd.test.mjs (the runtime package) and program_workerd.test.mjs (a program package):
// the worker is bundled the way wrangler does it (esbuild with the `workerd` condition,
// `.wasm` imports left as modules), the runtime's `.wasm` is given to workerd as a wasm
// module under the name the bundle imports, and workerd serves it on 127.0.0.1.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TIMEOUT = 60_000;

/**
 * Bundles `dir/worker.js` and starts workerd on it. `wasm` is the path of the runtime's
 * `.wasm` relative to `dir`; `tools` is pack.mjs's `{ run, freePort, BIN }`. Resolves to
 * `{ get(path), log(), stop() }`: `get` retries until workerd answers (or fails the test
 * after a minute, or when workerd exits) and resolves to `{ status, body }`.
 */
export async function serveWorker(dir, wasm, { run, freePort, BIN }) {
  const b = await run(
    'esbuild',
    [
      'worker.js',
      '--bundle',
      '--format=esm',
      '--platform=neutral',
      '--conditions=workerd,worker,browser',
      '--external:*.wasm',
      '--outfile=dist-workerd/worker.js',
      '--log-level=warning',
    ],
    { cwd: dir },
  );
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const bundle = readFileSync(join(dir, 'dist-workerd', 'worker.js'), 'utf8');
  const wasmImport = bundle.match(/from "([^"]*lumen_wasm_bg\.wasm)"/);
  assert.ok(wasmImport, 'the workerd entry imports the .wasm as a module');
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist-workerd/worker.js"),
    (name = "${wasmImport[1].replace(/^\.\//, '')}", wasm = embed "${wasm}"),
  ],
  compatibilityDate = "2026-11-01",
);
`,
  );
  const child = spawn(join(BIN, 'workerd'), ['serve', 'config.capnp'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + TIMEOUT;
  return {
    async get(path) {
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}${path}`);
          return { status: res.status, body: await res.text() };
        } catch (e) {
          if (Date.now() > deadline || child.exitCode !== null) assert.fail(`workerd did not serve: ${e}\n${log}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
    log: () => log,
    stop: () => child.kill('SIGTERM'),
  };
}
