// The ES module entry for Cloudflare workerd (condition `workerd`): the runtime imported
// as a compiled WebAssembly.Module (workerd and wrangler load `.wasm` imports that way) and
// instantiated synchronously, so the API is ready when the import resolves.
import wasmModule from './lumen_wasm_bg.wasm';
import { loadSync } from './lumen_loader.js';

loadSync(() => wasmModule);

export { /*@EXPORTS@*/ } from './lumen_loader.js';
