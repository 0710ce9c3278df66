// Issue 11 item 2 in Cloudflare workerd (the npm `workerd` package's binary): a worker that
// imports the package is bundled the way wrangler does it (esbuild with the `workerd`
// condition, `.wasm` imports left as modules), and workerd serves it on 127.0.0.1; each
// request runs the program with run() and checks a broken one with check().

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { project, run, freePort, BIN, SOURCE, BROKEN } from './pack.mjs';

const TIMEOUT = 60_000;
let host;

before(() => {
  host = project({
    'worker.js': `import * as lumen from 'lumen-wasm';

export default {
  async fetch(request) {
    const n = Number(new URL(request.url).searchParams.get('n'));
    const lines = [];
    const result = await lumen.run(${JSON.stringify(SOURCE)}, {
      filename: 'app.lm',
      args: [n],
      tools: { 'echo.upper': ({ text }) => ({ text: String(text).toUpperCase() }) },
      onPrint: (line) => lines.push(line),
    });
    return Response.json({
      version: lumen.version(),
      value: result.value,
      output: result.output,
      printed: lines,
      diagnostics: lumen.check(${JSON.stringify(BROKEN)}, 'broken.lm').map((d) => d.code),
    });
  },
};
`,
  });
});

after(() => host?.cleanup());

test('issue 11 item 2: workerd serves a worker that runs a program per request', async () => {
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
  assert.match(bundle, /from "\.\/lumen_wasm_bg\.wasm"/, 'the workerd entry imports the .wasm as a module');
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
    (name = "lumen_wasm_bg.wasm", wasm = embed "node_modules/${host.name}/lumen_wasm_bg.wasm"),
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
    const get = async (n) => {
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/?n=${n}`);
          return { status: res.status, body: await res.text() };
        } catch (e) {
          if (Date.now() > deadline || child.exitCode !== null) assert.fail(`workerd did not serve: ${e}\n${log}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    for (const n of [21, 5]) {
      const { status, body } = await get(n);
      assert.equal(status, 200, `${body}\n${log}`);
      const r = JSON.parse(body);
      assert.equal(r.value, n * 2);
      assert.deepEqual(r.output, ['tool said {"text": "HI"}', `n is ${n}`]);
      assert.deepEqual(r.printed, r.output);
      assert.equal(typeof r.version, 'string');
      assert.ok(r.diagnostics.length > 0 && /^E\d{4}$/.test(r.diagnostics[0]), body);
    }
    assert.doesNotMatch(log, /error|uncaught/i, log);
  } finally {
    child.kill('SIGTERM');
  }
});
