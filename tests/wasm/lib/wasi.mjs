// Running the WASI command module `lumen.wasm` (pkg-wasi/, `lumen build --target wasm
// --wasm-target wasi`) in Node's `node:wasi` and in Wasmtime, with one folder preopened as
// `.`. Both resolve to `{code, stdout, stderr}`.

import { WASI } from 'node:wasi';
import { spawn, spawnSync } from 'node:child_process';
import {
  readFileSync,
  existsSync,
  openSync,
  closeSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { tmpdir, homedir } from 'node:os';
import { ROOT } from './lumen.mjs';

/** The module: `$LUMEN_WASI`, else pkg-wasi/lumen.wasm. */
export const WASI_WASM = process.env.LUMEN_WASI || join(ROOT, 'pkg-wasi', 'lumen.wasm');

let compiled = null;
async function wasiModule() {
  if (!compiled) {
    if (!existsSync(WASI_WASM)) {
      throw new Error(
        `${WASI_WASM} is missing: build it with ` +
          '`lumen build --target wasm --wasm-target wasi --out-dir pkg-wasi`',
      );
    }
    compiled = await WebAssembly.compile(readFileSync(WASI_WASM));
  }
  return compiled;
}

/** `lumen ARGS...` in a fresh `node:wasi` instance with `dir` preopened as `.`. */
export async function runNodeWasi(dir, args) {
  const scratch = mkdtempSync(join(tmpdir(), 'lumen-wasi-'));
  const outPath = join(scratch, 'out');
  const errPath = join(scratch, 'err');
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: ['lumen', ...args],
      env: {},
      preopens: { '.': dir },
      stdout: out,
      stderr: err,
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(await wasiModule(), wasi.getImportObject());
    const code = wasi.start(instance);
    closeSync(out);
    closeSync(err);
    return {
      code,
      stdout: readFileSync(outPath, 'utf8'),
      stderr: readFileSync(errPath, 'utf8'),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Wasmtime: `$WASMTIME`, else `wasmtime` on PATH, else `~/.cargo/bin/wasmtime`. */
function wasmtimePath() {
  if (process.env.WASMTIME) return process.env.WASMTIME;
  const onPath = spawnSync('wasmtime', ['--version'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'wasmtime';
  const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin', 'wasmtime');
  if (existsSync(cargoBin)) return cargoBin;
  throw new Error(
    'wasmtime is not installed: cargo install wasmtime-cli --version 48.0.8 --locked ' +
      '(cargo xtask test-wasm does this)',
  );
}

/** The wasi:http component: `$LUMEN_WASI_HTTP`, else pkg-wasi-http/lumen.wasm. */
export const WASI_HTTP_WASM =
  process.env.LUMEN_WASI_HTTP || join(ROOT, 'pkg-wasi-http', 'lumen.wasm');

/**
 * `wasmtime run [-S http] --dir . MODULE ARGS...` in `dir` (MODULE: the wasip1 module, or
 * the wasi:http component with `{http: true}`), asynchronously (a test's own HTTP server
 * keeps answering meanwhile).
 */
export function runWasmtime(dir, args, { http = false } = {}) {
  const wasm = http ? WASI_HTTP_WASM : WASI_WASM;
  if (!existsSync(wasm)) {
    throw new Error(`${wasm} is missing: run cargo xtask test-wasm (it builds it)`);
  }
  const flags = http ? ['run', '-S', 'http', '--dir', '.'] : ['run', '--dir', '.'];
  return runProcess(wasmtimePath(), [...flags, wasm, ...args], dir, { PATH: process.env.PATH });
}

/**
 * Runs `program ARGS...` in `dir` without blocking the event loop (servers of the same test
 * keep answering); resolves to `{code, stdout, stderr}`.
 */
export function runProcess(program, args, dir, env = process.env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
