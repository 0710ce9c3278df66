// Issue 12 item 2: examples/edge_api.lm.md built with `lumen build --target wasm
// --wasm-target http` (one wasi:http/proxy component) and served by `wasmtime serve` on
// 127.0.0.1. It answers the requests of edge_cases.mjs — the table edge_worker.test.mjs
// sends to the Cloudflare worker — as the table says, and, when the worker is built too,
// with the same status, content type and body as workerd gives. Bad input (a body that is
// not UTF-8, too large a body, huge headers) gets an error response and the server goes on
// answering.
//
// The component is $LUMEN_EDGE_HTTP, default pkg-edge-http/edge_api.wasm at the repository
// root, written by:
//   lumen build --target wasm --wasm-target http examples/edge_api.lm.md --out-dir pkg-edge-http
// Wasmtime is $WASMTIME, default `wasmtime` on PATH (built with the `serve` feature).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { ROOT } from '../lib/lumen.mjs';
import { freePort, BIN } from './pack.mjs';
import { CASES, call, checkAll } from './edge_cases.mjs';

const APP = process.env.LUMEN_EDGE_HTTP
  ? resolve(process.env.LUMEN_EDGE_HTTP)
  : join(ROOT, 'pkg-edge-http', 'edge_api.wasm');
const HERE = dirname(fileURLToPath(import.meta.url));
const WASMTIME = process.env.WASMTIME ?? 'wasmtime';
const WORKER = process.env.LUMEN_EDGE_WORKER
  ? resolve(process.env.LUMEN_EDGE_WORKER)
  : join(ROOT, 'pkg-edge-worker');

if (!existsSync(APP)) {
  throw new Error(
    `${APP} is missing: build it with \`lumen build --target wasm --wasm-target http ` +
      `examples/edge_api.lm.md --out-dir pkg-edge-http\` (or set LUMEN_EDGE_HTTP)`,
  );
}

/** Starts `cmd args` (a server on `port`) and waits until it answers `probe`; resolves to
 * `{port, child, log()}`. */
export async function start(cmd, args, port, options = {}, probe = '/') {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}${probe}`);
      return { port, child, log: () => log };
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`${cmd} did not serve: ${e}\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** `wasmtime serve` of `app` on a free port of 127.0.0.1. */
export async function serveHttp(app = APP, probe = '/') {
  const port = await freePort();
  return start(WASMTIME, ['serve', '--addr', `127.0.0.1:${port}`, app], port, {}, probe);
}

let server;
let base;

before(async () => {
  server = await serveHttp();
  base = `http://127.0.0.1:${server.port}`;
});

after(() => server?.child.kill('SIGTERM'));

/** The raw HTTP/1.1 answer to `request` on a new connection. */
function raw(request) {
  return new Promise((done) => {
    const s = net.connect(server.port, '127.0.0.1', () => s.write(request));
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('error', (e) => done(`${data}error: ${e.message}`));
    s.on('close', () => done(data));
  });
}

test('issue 12 item 2: wasmtime serve answers every shared edge_api case (edge_cases.mjs) as the table says', async () => {
  await checkAll(base, server.log);
});

test('issue 12 item 2: wasmtime serve and the workerd worker give identical answers', async () => {
  assert.ok(
    existsSync(join(WORKER, 'config.capnp')),
    `${WORKER} is not built (lumen build --wasm-target worker examples/edge_api.lm.md --out-dir pkg-edge-worker)`,
  );
  const port = await freePort();
  const worker = await start(
    join(BIN, 'workerd'),
    ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`],
    port,
    { cwd: WORKER },
  );
  try {
    for (const c of CASES) {
      const a = await call(base, c.path, c.init);
      const b = await call(`http://127.0.0.1:${port}`, c.path, c.init);
      // Headers that differ by construction: `host` names each server's port, and
      // wasi:http hosts keep the hop-by-hop `connection` to themselves.
      for (const r of [a, b]) for (const h of ['host', 'connection']) delete r.body?.headers?.[h];
      assert.deepEqual(
        { status: a.status, type: a.type, body: a.body },
        { status: b.status, type: b.type, body: b.body },
        c.title,
      );
    }
  } finally {
    worker.child.kill('SIGTERM');
  }
});

test('issue 12 item 2: a too large body and huge headers get an error response, and the server answers on', async () => {
  const tooLarge = await call(base, '/users', { method: 'POST', body: 'x'.repeat(9 * 1024 * 1024) });
  assert.equal(tooLarge.status, 413, server.log());
  assert.deepEqual(tooLarge.body, { error: { message: 'the request body is larger than 8388608 bytes' } });
  assert.equal((await call(base, '/users/1')).status, 200);

  // Beyond the server's limit for a request head (Wasmtime's hyper server): a 431 from it.
  const huge = await raw(`GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2_000_000)}\r\nConnection: close\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431 /, huge.slice(0, 200));
  // Large but allowed: the program gets them.
  const big = await call(base, '/echo', { headers: { 'X-Big': 'b'.repeat(50_000) } });
  assert.equal(big.status, 200, server.log());
  assert.equal(big.body.headers['x-big'], 'b'.repeat(50_000));
  // Thousands of header fields: beyond hyper's 100, a 431 (workerd takes them: a 200).
  const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n');
  const manyAnswer = await raw(`GET /hello HTTP/1.1\r\nHost: x\r\n${many}\r\nConnection: close\r\n\r\n`);
  assert.match(manyAnswer, /^HTTP\/1\.1 431 /, manyAnswer.slice(0, 200));

  assert.deepEqual((await call(base, '/users/2')).body, { id: 2, name: 'Grace' });
  assert.equal(server.child.exitCode, null, server.log());
  assert.doesNotMatch(server.log(), /panic|internal error/i, server.log());
});

test('issue 12 item 2: http.get goes out through wasi:http under the grant, max_calls starts afresh per request', async () => {
  // edge_fetch.lm.md may fetch only from 127.0.0.1, once per request: built here with
  // $LUMEN_BIN (the cached HTTP runtime, no Rust compiled).
  assert.ok(process.env.LUMEN_BIN, 'LUMEN_BIN (a lumen with `lumen build`) is not set');
  const dir = mkdtempSync(join(tmpdir(), 'lumen-edge-http-'));
  const upstream = createServer((req, res) => res.end(`upstream saw ${req.method} ${req.url}`));
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const up = `http://127.0.0.1:${upstream.address().port}`;
  let fetcher;
  try {
    const built = spawnSync(
      process.env.LUMEN_BIN,
      ['build', '--target', 'wasm', '--wasm-target', 'http', join(HERE, 'edge_fetch.lm.md'), '--out-dir', dir,
        '--manifest-path', join(ROOT, 'Cargo.toml')],
      { encoding: 'utf8' },
    );
    assert.equal(built.status, 0, built.stderr);
    fetcher = await serveHttp(join(dir, 'edge_fetch.wasm'), `/?url=${encodeURIComponent(`${up}/ping`)}`);
    const at = `http://127.0.0.1:${fetcher.port}`;
    for (let i = 0; i < 3; i++) {
      const ok = await call(at, `/?url=${encodeURIComponent(`${up}/v1?x=${i}`)}`);
      assert.deepEqual({ status: ok.status, body: ok.body }, { status: 200, body: `200 upstream saw GET /v1?x=${i}` }, fetcher.log());
    }
    // A second call in one request: max_calls 1.
    const twice = await call(at, `/?twice=1&url=${encodeURIComponent(`${up}/a`)}`);
    assert.equal(twice.status, 500);
    assert.equal(twice.body.error.code, 'E0907');
    assert.match(twice.body.error.message, /max_calls/);
    // Another host: refused before any request is made.
    const denied = await call(at, `/?url=${encodeURIComponent('http://localhost:1/')}`);
    assert.equal(denied.status, 500);
    assert.equal(denied.body.error.code, 'E0907');
    assert.match(denied.body.error.message, /grant domain denies host `localhost` \(allowed: 127\.0\.0\.1\)/);
  } finally {
    fetcher?.child.kill('SIGTERM');
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
