// Building the examples of issue 11 item 8 (examples/summarize, csv_clean, signup_form) the
// way a user does, for their tests: one function per artefact, so the build command is
// stated once.
//
// - `buildWasiApp(src, outDir)`: `$LUMEN_BIN build --target wasm --wasm-target wasi SRC
//   --out-dir OUT` → `OUT/<stem>.wasm` (a WASI command module running `main`).
// - `buildProgramPackage(src, outDir)`: `$LUMEN_BIN build --target wasm SRC --out-dir OUT` →
//   one npm package exporting each `pub` cell as a typed async function; a page imports
//   its browser entry, `PROGRAM_ENTRY`, by a relative path (`./pkg/index.js`).
//
// Environment:
// - LUMEN_BIN: the `lumen` to build with (with the `build` feature; required).
// - LUMEN_EXAMPLES_DEV=1: until `lumen build` takes a program argument, build the same
//   artefacts from their parts instead (the lead removes this fallback after the merge):
//   - WASI app: `$LUMEN_BIN emit SRC -o X.lmb` embedded into the VM-only WASI runtime by
//     lumen-embed; LUMEN_WASI_APP_RUNTIME = the runtime template (`cargo build -p
//     lumen-wasi-app --target wasm32-wasip1 --profile wasm-release`), LUMEN_EMBED = the
//     embedder (`cargo build -p lumen-embed --example embed`), as in wasi_app.test.mjs;
//   - program package: a copy of a runtime package for browsers in `runtime/` (LUMEN_PKG_WEB,
//     default pkg-web/, else pkg/: the one npm package, `index.js`, or wasm-pack's web
//     flavour, `lumen_wasm.js`, whose `init()` a small `runtime.js` then calls once before
//     the first `run`), and the typed entry module from lumen-jsgen's `gen` example
//     importing `./runtime.js`, written as `index.js` (LUMEN_JSGEN: a built `gen`, default
//     `cargo run -q -p lumen-jsgen --example gen --`).
//
// `serveWithRoutes(root, mounts, routes)` serves the pages like lib/server.mjs and answers
// a few URL paths itself (the summarize page's model endpoint).

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createServer, request as httpRequest } from 'node:http';
import { ROOT } from './lumen.mjs';
import { serve } from './server.mjs';

/** The program package's browser entry, relative to the package folder. */
export const PROGRAM_ENTRY = 'index.js';

/** Whether the dev fallback (LUMEN_EXAMPLES_DEV=1) builds the artefacts from their parts. */
export const DEV = process.env.LUMEN_EXAMPLES_DEV === '1';

/** The native `lumen` ($LUMEN_BIN); throws with what to set when it is missing. */
export function lumenBin() {
  const bin = process.env.LUMEN_BIN;
  if (!bin) throw new Error('LUMEN_BIN is not set: a native lumen with the `build` feature');
  if (!existsSync(bin)) throw new Error(`LUMEN_BIN=${bin} does not exist`);
  return bin;
}

/** The file named by the environment variable `name` (required), or `fallback` if it exists. */
function inputFile(name, how, fallback) {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} is not set: ${how}`);
  if (!existsSync(value)) throw new Error(`${name}=${value} does not exist: ${how}`);
  return value;
}

/** Runs `cmd args` in `cwd`; throws with its standard error when it fails. */
function exec(cmd, args, cwd = ROOT) {
  try {
    return execFileSync(cmd, args, { cwd, stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${e.status}):\n${e.stderr ?? e.message}`);
  }
}

/** `app.lm.md` → `app`, `clean.lm` → `clean`. */
export function stemOf(src) {
  return basename(src).replace(/\.lm(\.md)?$/, '');
}

/**
 * Builds the program `src` as one WASI app into `outDir`; returns the path of
 * `outDir/<stem>.wasm`. The build runs in the program's folder, so the run-time errors name
 * the file as `lumen run` there does (`clean.lm.md:61`).
 */
export function buildWasiApp(src, outDir) {
  src = resolve(src);
  outDir = resolve(outDir);
  const wasm = join(outDir, `${stemOf(src)}.wasm`);
  if (DEV) {
    const runtime = inputFile(
      'LUMEN_WASI_APP_RUNTIME',
      'cargo build -p lumen-wasi-app --target wasm32-wasip1 --profile wasm-release',
    );
    const embed = inputFile('LUMEN_EMBED', 'cargo build -p lumen-embed --example embed');
    mkdirSync(outDir, { recursive: true });
    const lmb = join(outDir, `${stemOf(src)}.lmb`);
    exec(lumenBin(), ['emit', '--format', 'binary', basename(src), '-o', lmb], dirname(src));
    try {
      exec(embed, [runtime, lmb, wasm]);
    } finally {
      rmSync(lmb, { force: true });
    }
  } else {
    exec(lumenBin(), [
      'build', '--target', 'wasm', '--wasm-target', 'wasi', basename(src),
      '--out-dir', outDir, '--manifest-path', join(ROOT, 'Cargo.toml'),
    ], dirname(src));
  }
  if (!existsSync(wasm)) throw new Error(`the build wrote no ${wasm}`);
  return wasm;
}

/**
 * The dev fallback's `runtime.js` over the runtime package copied to `runtime/`: the one
 * npm package loads itself on import; wasm-pack's web flavour needs its `init()` once.
 */
function devRuntimeShim(runtimeDir) {
  const header = '// Generated by tests/wasm/lib/examples.mjs (LUMEN_EXAMPLES_DEV=1).\n';
  if (existsSync(join(runtimeDir, 'index.js'))) {
    return `${header}export { run, LumenError } from './runtime/index.js';\n`;
  }
  return `${header}import init, { run as runtimeRun, LumenError } from './runtime/lumen_wasm.js';

let ready;
export async function run(lir, options) {
  ready ??= init();
  await ready;
  return runtimeRun(lir, options);
}
export { LumenError };
`;
}

/** The runtime package the dev fallback copies: LUMEN_PKG_WEB, else pkg-web/, else pkg/. */
function devRuntimePackage() {
  const candidates = process.env.LUMEN_PKG_WEB
    ? [resolve(process.env.LUMEN_PKG_WEB)]
    : [join(ROOT, 'pkg-web'), join(ROOT, 'pkg')];
  const found = candidates.find((d) => ['index.js', 'lumen_wasm.js'].some((f) => existsSync(join(d, f))));
  if (!found) {
    throw new Error(
      `no runtime package for browsers in ${candidates.join(' or ')} (set LUMEN_PKG_WEB): ` +
        'lumen build --target wasm --wasm-target web --out-dir pkg-web',
    );
  }
  return found;
}

/**
 * Builds the program `src` as one npm package into `outDir` (replaced); returns the path of
 * its browser entry, `outDir/PROGRAM_ENTRY`.
 */
export function buildProgramPackage(src, outDir) {
  src = resolve(src);
  outDir = resolve(outDir);
  const entry = join(outDir, PROGRAM_ENTRY);
  if (DEV) {
    const runtime = devRuntimePackage();
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(join(outDir, 'runtime'), { recursive: true });
    for (const f of readdirSync(runtime)) {
      if (statSync(join(runtime, f)).isFile()) copyFileSync(join(runtime, f), join(outDir, 'runtime', f));
    }
    writeFileSync(join(outDir, 'runtime.js'), devRuntimeShim(join(outDir, 'runtime')));
    const genArgs = [src, outDir, '--stem', 'index', '--runtime', './runtime.js'];
    if (process.env.LUMEN_JSGEN) {
      exec(process.env.LUMEN_JSGEN, genArgs);
    } else {
      exec('cargo', ['run', '-q', '-p', 'lumen-jsgen', '--example', 'gen', '--', ...genArgs]);
    }
    renameSync(join(outDir, 'index.mjs'), entry);
  } else {
    exec(lumenBin(), [
      'build', '--target', 'wasm', basename(src),
      '--out-dir', outDir, '--manifest-path', join(ROOT, 'Cargo.toml'),
    ], dirname(src));
  }
  if (!existsSync(entry)) throw new Error(`the build wrote no ${entry}`);
  return entry;
}

/**
 * Serves `root` like lib/server.mjs's `serve(root, mounts)` and answers the URL paths of
 * `routes` itself: `routes[path](request, body)` (the body as text) resolves to
 * `{status?, type?, body}` (`type` defaults to JSON, a non-string `body` is sent as JSON).
 * Every other request goes to the static server. Resolves to `{origin, requests, close()}`,
 * `requests` listing the static server's.
 */
export async function serveWithRoutes(root, mounts, routes) {
  const files = await serve(root, mounts);
  const front = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    if (Object.hasOwn(routes, path)) {
      let body = '';
      for await (const chunk of req) body += chunk;
      try {
        const answer = await routes[path](req, body);
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status ?? 200, {
          'Content-Type': answer.type ?? 'application/json',
          'Cache-Control': 'no-store',
        });
        res.end(text);
      } catch (e) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`route ${path} failed: ${e.message}\n`);
      }
      return;
    }
    const upstream = httpRequest(
      `${files.origin}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`${e.message}\n`);
    });
    req.pipe(upstream);
  });
  await new Promise((done, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', done);
  });
  return {
    origin: `http://127.0.0.1:${front.address().port}`,
    requests: files.requests,
    async close() {
      front.closeAllConnections?.();
      await new Promise((done) => front.close(() => done()));
      await files.close();
    },
  };
}
