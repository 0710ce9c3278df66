// Loads the Lumen runtime (lumen_wasm_bg.wasm) once and guards every API function: a call
// made while the runtime is not loaded throws an Error that says why and how to fix it,
// never a wasm-bindgen internal ("reading '__wbindgen_free'"). Every ESM entry of the
// package (index.js, index.node.js, index.workerd.js) starts the load and re-exports these.
import initAsync, { initSync } from './lumen_wasm.js';
import * as glue from './lumen_wasm.js';

let loaded = false;
let failure = null;
let pending = null;

/** The runtime next to this file; bundlers (Vite, webpack) emit it as an asset. */
export function defaultSource() {
  return new URL('./lumen_wasm_bg.wasm', import.meta.url);
}

/** Loads synchronously from what `get()` returns (bytes or a WebAssembly.Module). */
export function loadSync(get) {
  if (loaded) return;
  try {
    initSync({ module: get() });
    loaded = true;
    failure = null;
  } catch (e) {
    failure = e;
  }
}

function notLoaded() {
  const why = failure ? `: ${failure && failure.message ? failure.message : failure}` : '';
  const node = typeof process === 'object' && process !== null && process.versions && process.versions.node;
  return new Error(
    `lumen: the WebAssembly runtime is not loaded${why}. Serve lumen_wasm_bg.wasm next to the ` +
      'module that imports this package, or call `await init(url | bytes | WebAssembly.Module)` first' +
      (node
        ? '. In Node.js, import the package by its name (after `npm install <its folder>`) or its ' +
          'index.node.js, which reads the file from disk: index.js is the entry for browsers and bundlers'
        : ''),
  );
}

function ready() {
  if (!loaded) throw notLoaded();
}

/**
 * Loads the runtime from `source` (a URL or string, a Response or a promise of one, bytes,
 * or a compiled WebAssembly.Module); by default from lumen_wasm_bg.wasm next to this file.
 * The package loads itself on import, so this is needed only for custom loading or after
 * the automatic load failed. Resolves at once when the runtime is already loaded.
 */
export function init(source) {
  if (loaded) return Promise.resolve();
  if (!pending) {
    pending = initAsync({ module_or_path: source === undefined ? defaultSource() : source }).then(
      () => {
        loaded = true;
        failure = null;
        pending = null;
      },
      (e) => {
        failure = e;
        pending = null;
        throw notLoaded();
      },
    );
  }
  return pending;
}

/*@WRAPPERS@*/
