// Running the WASI command module `lumen.wasm` (pkg-wasi/, `lumen build --target wasm
// --wasm-target wasi`) in Node's `node:wasi` and in Wasmtime, with one folder preopened as
// `.`. Both resolve to `{code, stdout, stderr}`.

import { WASI } from 'node:wasi';
import { spawnSync } from 'node:child_process';
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
      '(scripts/test-wasm.sh does this)',
  );
}

/** `wasmtime run --dir . lumen.wasm ARGS...` in `dir`. */
export async function runWasmtime(dir, args) {
  const r = spawnSync(wasmtimePath(), ['run', '--dir', '.', WASI_WASM, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
