// Issue 11 items 2 and 7 in Cloudflare workerd (the npm `workerd` package's binary): a
// worker importing the PROGRAM package is bundled as wrangler does it (esbuild, `workerd`
// condition, `.wasm` imports left as modules) and served on 127.0.0.1; each request calls a
// typed cell with the request's argument and a JS tool.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { project, run, freePort, BIN, NAME, PROBE, assertProbe } from './program.mjs';

const TIMEOUT = 60_000;
let host;

before(() => {
  host = project({
    'worker.js': `import * as app from '${NAME}';
${PROBE}
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/probe') return Response.json(await probe(app));
    const dx = Number(url.searchParams.get('dx'));
    const printed = [];
    const tools = { 'llm.chat': () => '', 'text.shout': ({ text }) => String(text) + '!' };
    const p = await app.shift({ x: 1, y: 0.5 }, dx, { tools, onPrint: (l) => printed.push(l) });
    return Response.json({ p, printed, shouted: await app.loud('hey', { tools }) });
  },
};
`,
  });
});

after(() => host?.cleanup());

test('issue 11 item 7: workerd serves a worker that runs a program cell per request', async () => {
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
    { cwd: host.dir },
  );
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const bundle = readFileSync(join(host.dir, 'dist-workerd', 'worker.js'), 'utf8');
  const wasmImport = bundle.match(/from "([^"]*lumen_wasm_bg\.wasm)"/);
  assert.ok(wasmImport, 'the workerd entry imports the .wasm as a module');
  const port = await freePort();
  writeFileSync(
    join(host.dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist-workerd/worker.js"),
    (name = "${wasmImport[1].replace(/^\.\//, '')}", wasm = embed "node_modules/${NAME}/runtime/lumen_wasm_bg.wasm"),
  ],
  compatibilityDate = "2026-11-01",
);
`,
  );
  const child = spawn(join(BIN, 'workerd'), ['serve', 'config.capnp'], {
    cwd: host.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  try {
    const deadline = Date.now() + TIMEOUT;
    const get = async (path) => {
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}${path}`);
          return { status: res.status, body: await res.text() };
        } catch (e) {
          if (Date.now() > deadline || child.exitCode !== null) assert.fail(`workerd did not serve: ${e}\n${log}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    for (const dx of [3, 40]) {
      const { status, body } = await get(`/?dx=${dx}`);
      assert.equal(status, 200, `${body}\n${log}`);
      assert.deepEqual(JSON.parse(body), { p: { x: 1 + dx, y: 0.5 }, printed: [`shifting by ${dx}`], shouted: 'hey!' });
    }
    const { status, body } = await get('/probe');
    assert.equal(status, 200, `${body}\n${log}`);
    assertProbe(JSON.parse(body));
    assert.doesNotMatch(log, /error|uncaught/i, log);
  } finally {
    child.kill('SIGTERM');
  }
});
