// The ES module entry for Node.js (`import`): reads lumen_wasm_bg.wasm next to this file
// synchronously and instantiates it, so the API is ready when the import resolves.
import { readFileSync } from 'node:fs';
import { loadSync } from './lumen_loader.js';

loadSync(() => readFileSync(new URL('./lumen_wasm_bg.wasm', import.meta.url)));

export { /*@EXPORTS@*/ } from './lumen_loader.js';
