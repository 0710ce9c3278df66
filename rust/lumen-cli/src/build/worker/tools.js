// The worker's own tools, beyond `http.get` and `http.post` (which worker.js provides through
// `fetch`). `lumen build --wasm-target worker app.lm.md` copies `app.tools.js` from beside
// the program here when there is one; this is the default. The default export is called for
// every request with the worker's `env` (bindings, secrets) and `ctx`, and returns tools by
// qualified name, as for any Lumen program package:
//
//   export default (env) => ({
//     'kv.get': async ({ key }) => (await env.MY_KV.get(key)) ?? null,
//   });
//
// The program's grants are checked by the runtime before a tool runs.
export default function tools(env, ctx) {
  return {};
}
