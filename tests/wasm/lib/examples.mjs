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
//
// `serveWithRoutes(root, mounts, routes)` serves the pages like lib/server.mjs and answers
// a few URL paths itself (the summarize page's model endpoint).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createServer, request as httpRequest } from 'node:http';
import { ROOT } from './lumen.mjs';
import { serve } from './server.mjs';

/** The program package's browser entry, relative to the package folder. */
export const PROGRAM_ENTRY = 'index.js';

/** The native `lumen` ($LUMEN_BIN); throws with what to set when it is missing. */
export function lumenBin() {
  const bin = process.env.LUMEN_BIN;
  if (!bin) throw new Error('LUMEN_BIN is not set: a native lumen with the `build` feature');
  if (!existsSync(bin)) throw new Error(`LUMEN_BIN=${bin} does not exist`);
  return bin;
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
  exec(lumenBin(), [
    'build', '--target', 'wasm', '--wasm-target', 'wasi', basename(src),
    '--out-dir', outDir, '--manifest-path', join(ROOT, 'Cargo.toml'),
  ], dirname(src));
  if (!existsSync(wasm)) throw new Error(`the build wrote no ${wasm}`);
  return wasm;
}

/**
 * Builds the program `src` as one npm package into `outDir` (replaced); returns the path of
 * its browser entry, `outDir/PROGRAM_ENTRY`.
 */
export function buildProgramPackage(src, outDir) {
  src = resolve(src);
  outDir = resolve(outDir);
  const entry = join(outDir, PROGRAM_ENTRY);
  exec(lumenBin(), [
    'build', '--target', 'wasm', basename(src),
    '--out-dir', outDir, '--manifest-path', join(ROOT, 'Cargo.toml'),
  ], dirname(src));
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
