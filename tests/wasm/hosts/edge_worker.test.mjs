// Issue 12 item 2: examples/edge_api.lm.md built with `lumen build --target wasm
// --wasm-target worker` and served by Cloudflare workerd (the npm `workerd` package's
// binary) exactly as the build wrote it — its own config.capnp, no bundler — on 127.0.0.1.
// The requests and answers are edge_cases.mjs's table, which edge_http.test.mjs sends to
// the wasi:http component too; bad input (a body that is not UTF-8, huge headers) gets an
// error response and the server goes on answering.
//
// The worker folder is $LUMEN_EDGE_WORKER, default pkg-edge-worker/ at the repository
// root, written by:
//   lumen build --target wasm --wasm-target worker examples/edge_api.lm.md --out-dir pkg-edge-worker

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { ROOT } from '../lib/lumen.mjs';
import { freePort, run, BIN } from './pack.mjs';
import { serveWorker } from './workerd.mjs';
import { checkAll } from './edge_cases.mjs';

const DIR = process.env.LUMEN_EDGE_WORKER
  ? resolve(process.env.LUMEN_EDGE_WORKER)
  : join(ROOT, 'pkg-edge-worker');

if (!existsSync(join(DIR, 'config.capnp'))) {
  throw new Error(
    `${DIR}/config.capnp is missing: build the worker with \`lumen build --target wasm ` +
      `--wasm-target worker examples/edge_api.lm.md --out-dir ${DIR}\` (or set LUMEN_EDGE_WORKER)`,
  );
}

/**
 * Starts `workerd serve config.capnp` in `dir` on a free port of 127.0.0.1 and waits until
 * it answers; resolves to `{port, child, log()}`.
 */
async function serve(dir) {
  const port = await freePort();
  const child = spawn(join(BIN, 'workerd'), ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return { port, child, log: () => log };
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`workerd did not serve: ${e}\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

let server;
let child;
let port;

before(async () => {
  server = await serve(DIR);
  ({ child, port } = server);
});

after(() => child?.kill('SIGTERM'));

/** One request; resolves to `{status, type, body}` (`body` parsed when it is JSON). */
async function call(path, init = {}, at = port) {
  const res = await fetch(`http://127.0.0.1:${at}${path}`, init);
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, type, body: type.startsWith('application/json') ? JSON.parse(text) : text };
}

/** The raw HTTP/1.1 answer to `request` (a whole request head and body) on a new connection. */
function raw(request) {
  return new Promise((done) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('error', (e) => done(`error: ${e.message}`));
    s.on('close', () => done(data));
  });
}

test('issue 12 item 2: workerd answers every shared edge_api case (edge_cases.mjs) as the table says', async () => {
  await checkAll(`http://127.0.0.1:${port}`, server.log);
});

test('issue 12 item 2: an invalid UTF-8 body and huge headers get an error response, and the server answers on', async () => {
  const invalid = await call('/users', { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) });
  assert.deepEqual(invalid, {
    status: 400,
    type: 'application/json; charset=utf-8',
    body: { error: { message: 'the request body is not valid UTF-8 text' } },
  });
  assert.equal((await call('/users/1')).status, 200);

  // Beyond workerd's limit for a request head: 431 from workerd itself.
  const huge = await raw(`GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2_000_000)}\r\nConnection: close\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431 /);
  // Large but allowed: the program gets them.
  const big = await raw(`GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(200_000)}\r\nConnection: close\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 200 /);
  assert.ok(big.includes('b'.repeat(200_000)));
  // Thousands of headers.
  const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n');
  assert.match(await raw(`GET /hello HTTP/1.1\r\nHost: x\r\n${many}\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 200 /);

  assert.deepEqual((await call('/users/2')).body, { id: 2, name: 'Grace' });
  assert.equal(child.exitCode, null, server.log());
  assert.doesNotMatch(server.log(), /uncaught|panic/i, server.log());
});

test('issue 12 item 2: tools.js provides tools, the grant is checked before them, and every request starts afresh', async () => {
  // A copy of the worker whose tools.js answers `http.get` itself (as a user's
  // `edge_api.tools.js` would), so no network is needed.
  const dir = mkdtempSync(join(tmpdir(), 'lumen-edge-'));
  cpSync(DIR, dir, { recursive: true });
  writeFileSync(
    join(dir, 'tools.js'),
    `export default (env, ctx) => ({
  'http.get': async ({ url }, { grants }) => ({ status: 299, body: url, json: { grants } }),
});
`,
  );
  const copy = await serve(dir);
  try {
    // `grant Fetch max_calls 1`: a second request may call again, since each runs in a fresh VM.
    for (let i = 0; i < 3; i++) {
      const ok = await call('/fetch?url=https://api.example.com/v1', {}, copy.port);
      assert.deepEqual(ok, { status: 200, type: 'application/json', body: { status: 299 } }, copy.log());
    }
    const denied = await call('/fetch?url=https://evil.test/', {}, copy.port);
    assert.equal(denied.status, 500);
    assert.equal(denied.body.error.code, 'E0907');
  } finally {
    copy.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issue 12 item 2: the worker bundled as wrangler bundles it answers the same', async () => {
  // esbuild with `.wasm` imports kept as modules (wrangler's default rules), then workerd
  // given the bundle and the runtime's `.wasm` (workerd.mjs writes its own config.capnp).
  const dir = mkdtempSync(join(tmpdir(), 'lumen-edge-bundle-'));
  cpSync(DIR, dir, { recursive: true });
  const bundled = await serveWorker(dir, 'app/runtime/lumen_wasm_bg.wasm', { run, freePort, BIN });
  try {
    const users = await bundled.get('/users/2');
    assert.deepEqual({ ...users, body: JSON.parse(users.body) }, { status: 200, body: { id: 2, name: 'Grace' } });
    const missing = await bundled.get('/nope');
    assert.equal(missing.status, 404, bundled.log());
    const denied = await bundled.get('/fetch?url=https://evil.test/');
    assert.equal(denied.status, 500);
    assert.equal(JSON.parse(denied.body).error.code, 'E0907');
  } finally {
    bundled.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
