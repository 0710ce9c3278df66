// The CommonJS entry for Node.js (`require`): wasm-bindgen's Node.js glue, which reads and
// instantiates lumen_wasm_bg.wasm synchronously when required.
'use strict';
const lumen = require('./lumen_wasm.cjs');

/*@CJS_EXPORTS@*/
/** The runtime is loaded on require; resolves at once (the same API as the ES modules). */
exports.init = function init(_source) {
  return Promise.resolve();
};
