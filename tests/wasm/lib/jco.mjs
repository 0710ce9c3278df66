// The `wasi:http` component `pkg-wasi-http/lumen.wasm` (`lumen build --target wasm
// --wasm-target wasi-http`, the `lumen` CLI for wasm32-wasip2) in Node.js through jco:
// `jco transpile` into a temporary folder, then `lumen ARGS...` runs in a child `node`
// (lib/jco_run.mjs) with @bytecodealliance/preview2-shim providing WASI. A child process
// per run because preview2-shim's `wasi:cli/exit` ends the process and its standard
// streams are the process's own. Runs resolve to `{code, stdout, stderr}`.

import { existsSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WASI_HTTP_WASM, runProcess } from './wasi.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The test project (`tests/wasm`), where `npm ci` installs jco and preview2-shim. */
const PROJECT = join(HERE, '..');

/** The jco command: `$LUMEN_JCO`, else the one `npm ci` installed in tests/wasm. */
export const JCO = process.env.LUMEN_JCO || join(PROJECT, 'node_modules', '.bin', 'jco');

/** The runner every run goes through (its header says what it does). */
const RUNNER = join(HERE, 'jco_run.mjs');

/**
 * The flags of `jco transpile`: `--instantiation async` makes `lumen.js` export
 * `instantiate(getCoreModule, imports)` so each run gets its own preview2-shim `WASIShim`
 * (arguments, environment and preopens per instance) instead of bindings that import
 * preview2-shim's process-wide defaults; `--name lumen` names the output `lumen.js`
 * whatever the component's file is called; `--quiet` drops the file table.
 */
export const TRANSPILE_FLAGS = ['--instantiation', 'async', '--name', 'lumen', '--quiet'];

/**
 * `jco transpile` of `wasm` (default: the wasi:http component) into a new temporary folder.
 * Resolves to `{outDir, ms, files, dispose()}` (`ms`: how long the transpile took); throws,
 * with the command that fixes it, when jco or the component is missing or jco fails.
 */
export async function transpileLumen(wasm = WASI_HTTP_WASM) {
  if (!existsSync(wasm)) {
    throw new Error(
      `${wasm} is missing: build it with \`lumen build --target wasm --wasm-target wasi-http ` +
        '--out-dir pkg-wasi-http` (cargo xtask test-wasm does)',
    );
  }
  if (!existsSync(JCO)) {
    throw new Error(`${JCO} is missing: run \`npm ci\` in tests/wasm (cargo xtask test-wasm does)`);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'lumen-jco-'));
  const dispose = () => rmSync(outDir, { recursive: true, force: true });
  const started = performance.now();
  const r = await runProcess(JCO, ['transpile', wasm, '-o', outDir, ...TRANSPILE_FLAGS], PROJECT);
  const ms = performance.now() - started;
  if (r.code !== 0) {
    dispose();
    throw new Error(`jco transpile failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  }
  return { outDir, ms, files: readdirSync(outDir).sort(), dispose };
}

/**
 * `lumen ARGS...` of the transpiled component in `outDir`, in a child `node` with `dir`
 * preopened as `.` and no environment variables. `{plainShim: true}` runs it on
 * preview2-shim without the runner's `mutate-directory` work-around.
 */
export function runJco(outDir, dir, args, { plainShim = false } = {}) {
  const flags = plainShim ? ['--plain-shim'] : [];
  return runProcess(process.execPath, [RUNNER, ...flags, outDir, dir, ...args], dir, {
    PATH: process.env.PATH,
  });
}
