// The ES module entry for browsers (with or without a bundler), Web Workers and Deno: loads
// lumen_wasm_bg.wasm from next to this module (`new URL(..., import.meta.url)`, which Vite
// and webpack turn into an asset) with top-level await, so no init() call is needed. A
// failed load does not fail the import: the API functions then throw what went wrong, and
// `init(source)` can load the runtime from elsewhere.
import { init } from './lumen_loader.js';

await init().catch(() => {});

export { /*@EXPORTS@*/ } from './lumen_loader.js';
