// The ES module entry for hosts that bundle without asset handling (esbuild, Rollup, Bun,
// Parcel: the `browser` condition once `webpack`, `development` and `production` have been
// tried): the runtime's bytes are inlined (lumen_wasm_inline.js, base64), so the bundle is
// self-contained: nothing to copy or serve next to it, no plugin, no loader. Compiled with
// top-level await, so no init() call is needed. A failed load does not fail the import: the
// API functions then throw what went wrong, and `init(source)` can load from elsewhere.
import { init } from './lumen_loader.js';
import { wasmBytes } from './lumen_wasm_inline.js';

await init(wasmBytes()).catch(() => {});

export { /*@EXPORTS@*/ } from './lumen_loader.js';
