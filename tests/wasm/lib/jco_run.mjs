// `node jco_run.mjs [--plain-shim] OUT_DIR DIR ARGS...`: runs the `lumen` CLI component that
// `jco transpile --instantiation async` wrote to OUT_DIR (lib/jco.mjs) as `lumen ARGS...`
// with @bytecodealliance/preview2-shim: DIR preopened as `.`, no environment variables, this
// process's standard output and error. Exits with the component's status, as `wasmtime run`
// does: 0 when `wasi:cli/run` returns ok, 1 when it returns an error or the program exits
// with a failure; a trap or any other JavaScript error is printed and exits 70, which no
// Lumen run gives.
//
// preview2-shim 0.26 refuses (`unsupported`) every `open-at` that asks for the
// `mutate-directory` descriptor flag, and wasi-libc (Rust's std on wasm32-wasip2) asks for it
// on every open for writing, so no file could be written. Wasmtime does not implement the
// flag either (it ignores it); this runner does the same by clearing the flag before
// preview2-shim's `open-at` sees it. `--plain-shim` leaves preview2-shim as it is (the test
// that the defect is still there, node/jco.test.mjs).

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

const argv = process.argv.slice(2);
const plain = argv[0] === '--plain-shim';
const [outDir, dir, ...args] = plain ? argv.slice(1) : argv;
if (outDir === undefined || dir === undefined) {
  console.error('usage: node jco_run.mjs [--plain-shim] OUT_DIR DIR ARGS...');
  process.exit(70);
}

/**
 * Makes preview2-shim's `open-at` (of every descriptor of `imports`) ignore
 * `mutate-directory`. A change to the prototype preview2-shim's descriptors share: this
 * process's own copy of the shim, so it affects only this run.
 */
function ignoreMutateDirectory(imports) {
  const { Descriptor } = imports['wasi:filesystem/types'];
  const openAt = Descriptor.prototype.openAt;
  Descriptor.prototype.openAt = function (pathFlags, path, openFlags, flags) {
    return openAt.call(this, pathFlags, path, openFlags, { ...flags, mutateDirectory: false });
  };
}

let code = 70;
try {
  const { instantiate } = await import(pathToFileURL(join(outDir, 'lumen.js')).href);
  // One shim per instance: its sandbox holds this run's arguments, environment and preopens
  // (preview2-shim's defaults would be this process's argv and environment, no preopens).
  const shim = new WASIShim({
    sandbox: { preopens: { '.': resolve(dir) }, env: {}, args: ['lumen', ...args] },
  });
  const imports = shim.getImportObject();
  if (!plain) ignoreMutateDirectory(imports);
  const lumen = await instantiate(
    async (core) => WebAssembly.compile(await readFile(join(outDir, core))),
    imports,
  );
  try {
    lumen.run.run();
    code = 0;
  } catch (e) {
    // `run` returned `err` (main returned a failure): jco throws a ComponentError with no
    // payload. Anything else is a trap or a bug in the bindings.
    if (e?.constructor?.name === 'ComponentError' && e.payload === undefined) code = 1;
    else throw e;
  }
} catch (e) {
  console.error('jco_run:', e);
}
// Let preview2-shim's stream writes settle before exiting (as `jco run` does).
await new Promise((r) => setTimeout(r));
process.exit(code);
