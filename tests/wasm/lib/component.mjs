// A Lumen program as a WebAssembly component in Node.js through jco (issue 12 item 3):
// `lumen build --target wasm --wasm-target component` of the program, `jco transpile` of
// the component (lib/jco.mjs), then one instance in this process with
// @bytecodealliance/preview2-shim for WASI and JS functions as the program's tool imports.
//
// Environment:
// - LUMEN_PROGRAM_COMPONENT: the built component (`cargo xtask test-wasm` builds
//   `tests/wasm/types/app.lm.md` into `pkg-component/app.wasm` once per run and sets it);
//   without it the component is built here with $LUMEN_BIN into a temporary folder.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { ROOT } from './lumen.mjs';
import { lumenBin, stemOf } from './examples.mjs';
import { transpileLumen } from './jco.mjs';

/** The program the component tests call (also the program package's, issue 11). */
export const COMPONENT_PROGRAM = join(ROOT, 'tests', 'wasm', 'types', 'app.lm.md');

/**
 * Builds `src` with `$LUMEN_BIN build --target wasm --wasm-target component` into
 * `outDir`; returns the path of `outDir/<stem>.wasm` (its world is `<stem>.wit` beside it).
 */
export function buildComponent(src, outDir) {
  src = resolve(src);
  outDir = resolve(outDir);
  const args = [
    'build', '--target', 'wasm', '--wasm-target', 'component', basename(src),
    '--out-dir', outDir, '--manifest-path', join(ROOT, 'Cargo.toml'),
  ];
  try {
    execFileSync(lumenBin(), args, { cwd: dirname(src), stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    throw new Error(`lumen ${args.join(' ')} failed (${e.status}):\n${e.stderr ?? e.message}`);
  }
  return join(outDir, `${stemOf(src)}.wasm`);
}

/**
 * The component of the test program: `$LUMEN_PROGRAM_COMPONENT` when set, else built now.
 * Resolves to `{wasm, dispose()}`.
 */
export function programComponent() {
  const given = process.env.LUMEN_PROGRAM_COMPONENT;
  if (given) {
    if (!existsSync(given)) throw new Error(`LUMEN_PROGRAM_COMPONENT=${given} does not exist`);
    return { wasm: resolve(given), dispose() {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'lumen-component-'));
  try {
    return {
      wasm: buildComponent(COMPONENT_PROGRAM, dir),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * `jco transpile` of `wasm` (lib/jco.mjs), for instantiating in this process.
 * Resolves to `{outDir, ms, files, dispose()}`.
 */
export function transpileComponent(wasm) {
  return transpileLumen(wasm);
}

/**
 * One instance of the transpiled component in `outDir`: `tools` are its imports other than
 * WASI (`{llm: {chat(prompt, maxTokens) {...}}, host: {call(name, args) {...}}}`, as jco
 * names them). Resolves to `{exports, memoryBytes()}`; `memoryBytes()` is the size of the
 * program's linear memory (its core instance's `memory`).
 */
export async function instantiateComponent(outDir, tools) {
  const { instantiate } = await import(pathToFileURL(join(outDir, 'lumen.js')).href);
  const imports = { ...new WASIShim().getImportObject(), ...tools };
  const cores = [];
  const exports = await instantiate(
    async (core) => WebAssembly.compile(await readFile(join(outDir, core))),
    imports,
    async (module, coreImports) => {
      const instance = await WebAssembly.instantiate(module, coreImports);
      cores.push(instance);
      return instance;
    },
  );
  // The program's core module (glue and runtime merged) is the one instance that exports
  // both memory and the runtime's `cabi_export_realloc` (the WASI adapter has neither).
  const runtime = cores.find(
    (c) => c.exports.memory instanceof WebAssembly.Memory &&
      typeof c.exports.cabi_export_realloc === 'function',
  );
  if (!runtime) throw new Error('no core instance exports memory and cabi_export_realloc');
  return {
    exports,
    memoryBytes: () => runtime.exports.memory.buffer.byteLength,
  };
}
