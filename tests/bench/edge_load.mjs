// Issue 12 item 6: load on the HTTP hosts of examples/edge_api.lm.md — a benchmark, not a
// test. Sends N requests (default 20,000) at concurrency C (default 32) over keep-alive
// connections on 127.0.0.1 to each server in turn:
//
//   wasmtime-serve  the wasi:http component (`lumen build --wasm-target http`) under
//                   `wasmtime serve`;
//   workerd-lumen   the Cloudflare worker (`lumen build --wasm-target worker`) under workerd;
//   workerd-js      the same routes in plain JavaScript (tests/bench/edge_ref/worker.js)
//                   under workerd: the reference.
//
// and prints requests/s, p50 and p99 latency (of the first N), the error count (any answer
// other than the expected status and body, or a failed request) and the resident memory
// (VmRSS) of the server process after a warm-up and after each of R rounds of N requests
// (default 2), as a Markdown table. `--only TEXT` runs only the servers whose name contains
// TEXT (e.g. `--only worker`).
//
//   node tests/bench/edge_load.mjs [--requests N] [--concurrency C] [--rounds R] [--only TEXT]
//
// Inputs: $LUMEN_EDGE_HTTP (default pkg-edge-http/edge_api.wasm), $LUMEN_EDGE_WORKER
// (default pkg-edge-worker/), $WASMTIME (default `wasmtime`), workerd from tests/wasm's
// node_modules.

import http from 'node:http';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const BIN = join(ROOT, 'tests', 'wasm', 'node_modules', '.bin');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--requests', 20_000);
const C = arg('--concurrency', 32);
const ROUNDS = arg('--rounds', 2);
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : '';
const APP = resolve(process.env.LUMEN_EDGE_HTTP ?? join(ROOT, 'pkg-edge-http', 'edge_api.wasm'));
const WORKER = resolve(process.env.LUMEN_EDGE_WORKER ?? join(ROOT, 'pkg-edge-worker'));
const WASMTIME = process.env.WASMTIME ?? 'wasmtime';

/** The requests, in rotation, with the answers expected. */
const REQUESTS = [
  { path: '/users/2', status: 200, body: '{"id":2,"name":"Grace"}' },
  { path: '/hello?name=bench', status: 200, body: 'hello, bench\n' },
  { path: '/users', status: 200, body: '[{"id":1,"name":"Ada"},{"id":2,"name":"Grace"}]' },
  { path: '/nope', status: 404, body: '{"error":"no route for GET /nope"}' },
];

function freePort() {
  return new Promise((done, fail) => {
    const s = net.createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function start(cmd, args, port, cwd) {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return { child, log: () => log };
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${cmd} did not serve: ${e}\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function workerdConfig(modules, wasm) {
  const lines = modules.map((m) => `    (name = "${m}", esModule = embed "${m}"),`);
  if (wasm) lines.push(`    (name = "${wasm}", wasm = embed "${wasm}"),`);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "*:8787", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
${lines.join('\n')}
  ],
  compatibilityDate = "2026-11-01",
);
`;
}

/** One GET over `agent`; resolves to `{ms, ok}`. */
function get(agent, port, r) {
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: r.path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        done({ ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: res.statusCode === r.status && body === r.body }),
      );
      res.on('error', () => done({ ms: 0, ok: false }));
    });
    req.on('error', () => done({ ms: 0, ok: false }));
  });
}

/** `n` requests at concurrency `c`; `{seconds, latencies, errors}`. */
async function load(port, n, c) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const latencies = [];
  let errors = 0;
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        const i = next++;
        const { ms, ok } = await get(agent, port, REQUESTS[i % REQUESTS.length]);
        if (ok) latencies.push(ms);
        else errors++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { seconds, latencies, errors };
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

async function bench(name, cmd, args, port, cwd) {
  const server = await start(cmd, args, port, cwd);
  try {
    await load(port, 500, C); // warm-up
    const before = rssKiB(server.child.pid);
    const { seconds, latencies, errors } = await load(port, N, C);
    const rss = [rssKiB(server.child.pid)];
    let failed = errors;
    // More rounds of N: memory that is a leak goes on growing, a heap that has found its
    // size does not.
    for (let round = 1; round < ROUNDS; round++) {
      const again = await load(port, N, C);
      failed += again.errors;
      rss.push(rssKiB(server.child.pid));
    }
    return {
      name,
      rps: Math.round(N / seconds),
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      errors: failed,
      before,
      rss,
    };
  } finally {
    server.child.kill('SIGTERM');
  }
}

const rows = [];
const scratch = mkdtempSync(join(tmpdir(), 'lumen-edge-load-'));
try {
  const wanted = (name) => name.includes(ONLY);
  if (!wanted('wasmtime serve: lumen --wasm-target http')) {
    // not asked for
  } else if (existsSync(APP)) {
    const port = await freePort();
    rows.push(await bench('wasmtime serve: lumen --wasm-target http', WASMTIME, ['serve', '--addr', `127.0.0.1:${port}`, APP], port));
  } else console.error(`skipping wasmtime serve: ${APP} is missing`);
  if (!wanted('workerd: lumen --wasm-target worker')) {
    // not asked for
  } else if (existsSync(join(WORKER, 'config.capnp'))) {
    const port = await freePort();
    rows.push(
      await bench('workerd: lumen --wasm-target worker', join(BIN, 'workerd'),
        ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], port, WORKER),
    );
  } else console.error(`skipping the workerd worker: ${WORKER} is missing`);
  if (wanted('workerd: plain JavaScript (reference)')) {
    const ref = join(scratch, 'ref');
    cpSync(join(HERE, 'edge_ref'), ref, { recursive: true });
    writeFileSync(join(ref, 'config.capnp'), workerdConfig(['worker.js']));
    const port = await freePort();
    rows.push(
      await bench('workerd: plain JavaScript (reference)', join(BIN, 'workerd'),
        ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], port, ref),
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const mib = (k) => (k / 1024).toFixed(1);
console.log(`\n${N} requests, concurrency ${C}, keep-alive, 127.0.0.1 (${REQUESTS.map((r) => r.path).join(', ')} in rotation)\n`);
const rounds = Array.from({ length: ROUNDS }, (_, i) => `after ${((i + 1) * N).toLocaleString('en')}`);
console.log(`| server | requests/s | p50 ms | p99 ms | errors (of ${(ROUNDS * N).toLocaleString('en')}) | RSS MiB: before | ${rounds.join(' | ')} |`);
console.log(`|---|---:|---:|---:|---:|---:|${rounds.map(() => '---:|').join('')}`);
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.rps} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} | ${mib(r.before)} | ${r.rss.map(mib).join(' | ')} |`,
  );
}
if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
