// Running the WASI command module `lumen.wasm` (pkg-wasi/, `lumen build --target wasm
// --wasm-target wasi`) in Node's `node:wasi` and in Wasmtime, with one folder preopened as
// `.`, and any other WASI command module (`runNodeWasiFile`; the single-program apps of
// wasi_app.test.mjs). All resolve to `{code, stdout, stderr}`.

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
import { join, basename } from 'node:path';
import { tmpdir, homedir } from 'node:os';
import { ROOT } from './lumen.mjs';

/** The module: `$LUMEN_WASI`, else pkg-wasi/lumen.wasm. */
export const WASI_WASM = process.env.LUMEN_WASI || join(ROOT, 'pkg-wasi', 'lumen.wasm');

const compiledModules = new Map();
/** The compiled module of the `.wasm` file `path` (compiled once per path). */
async function compiledModule(path, hint) {
  if (!compiledModules.has(path)) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
    compiledModules.set(path, await WebAssembly.compile(readFileSync(path)));
  }
  return compiledModules.get(path);
}

/** `lumen ARGS...` in a fresh `node:wasi` instance with `dir` preopened as `.`. */
export async function runNodeWasi(dir, args) {
  const module = await compiledModule(
    WASI_WASM,
    'build it with `lumen build --target wasm --wasm-target wasi --out-dir pkg-wasi`',
  );
  return runNodeWasiModule(module, dir, ['lumen', ...args]);
}

/**
 * The WASI command module in the file `wasm` with the command line `argv` (program name
 * first) in a fresh `node:wasi` instance with `dir` preopened as `.`.
 */
export async function runNodeWasiFile(wasm, dir, argv) {
  return runNodeWasiModule(await compiledModule(wasm, 'build it first'), dir, argv);
}

async function runNodeWasiModule(module, dir, argv) {
  const scratch = mkdtempSync(join(tmpdir(), 'lumen-wasi-'));
  const outPath = join(scratch, 'out');
  const errPath = join(scratch, 'err');
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: argv,
      env: {},
      preopens: { '.': dir },
      stdout: out,
      stderr: err,
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
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
export function wasmtimePath() {
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

const precompiled = new Map();
let precompiledDir = null;
/**
 * `MODULE` compiled ahead of time by `wasmtime compile` into a temporary `.cwasm` (once per
 * path and process): the conformance suite runs the same module hundreds of times, and
 * Cranelift compiling a debug `lumen.wasm` afresh for each run took most of the suite's time.
 */
function precompiledModule(wasm) {
  if (!precompiled.has(wasm)) {
    if (!precompiledDir) {
      precompiledDir = mkdtempSync(join(tmpdir(), 'lumen-cwasm-'));
      process.on('exit', () => rmSync(precompiledDir, { recursive: true, force: true }));
    }
    const out = join(precompiledDir, `${precompiled.size}-${basename(wasm, '.wasm')}.cwasm`);
    precompiled.set(
      wasm,
      runProcess(wasmtimePath(), ['compile', wasm, '-o', out], precompiledDir).then((r) => {
        if (r.code !== 0) throw new Error(`wasmtime compile ${wasm} failed: ${r.stderr}`);
        return out;
      }),
    );
  }
  return precompiled.get(wasm);
}

/**
 * `wasmtime run [-S http] --dir . MODULE ARGS...` in `dir` (MODULE: the wasip1 module, or
 * the wasi:http component with `{http: true}`), asynchronously (a test's own HTTP server
 * keeps answering meanwhile). The module runs precompiled (`--allow-precompiled`, see
 * `precompiledModule`); the WASI app tests run `.wasm` files as they are.
 */
export async function runWasmtime(dir, args, { http = false } = {}) {
  const wasm = http ? WASI_HTTP_WASM : WASI_WASM;
  if (!existsSync(wasm)) {
    throw new Error(`${wasm} is missing: run cargo xtask test-wasm (it builds it)`);
  }
  const cwasm = await precompiledModule(wasm);
  const flags = ['run', '--allow-precompiled', ...(http ? ['-S', 'http'] : []), '--dir', '.'];
  return runProcess(wasmtimePath(), [...flags, cwasm, ...args], dir, { PATH: process.env.PATH });
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
