// Issue 11 items 2 and 7 in Cloudflare workerd (the npm `workerd` package's binary): a
// worker importing the PROGRAM package is bundled as wrangler does it (esbuild, `workerd`
// condition, `.wasm` imports left as modules) and served on 127.0.0.1; each request calls a
// typed cell with the request's argument and a JS tool.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveWorker } from './workerd.mjs';
import { project, run, freePort, BIN, NAME, PROBE, assertProbe } from './program.mjs';

let host;

before(() => {
  host = project({
    'worker.js': `import * as app from '${NAME}';
${PROBE}
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/probe') return Response.json(await probe(app));
    const dx = Number(url.searchParams.get('dx'));
    const printed = [];
    const tools = { 'llm.chat': () => '', 'text.shout': ({ text }) => String(text) + '!' };
    const p = await app.shift({ x: 1, y: 0.5 }, dx, { tools, onPrint: (l) => printed.push(l) });
    return Response.json({ p, printed, shouted: await app.loud('hey', { tools }) });
  },
};
`,
  });
});

after(() => host?.cleanup());

test('issue 11 item 7: workerd serves a worker that runs a program cell per request', async () => {
  const worker = await serveWorker(host.dir, `node_modules/${NAME}/runtime/lumen_wasm_bg.wasm`, { run, freePort, BIN });
  const { get } = worker;
  try {
    for (const dx of [3, 40]) {
      const { status, body } = await get(`/?dx=${dx}`);
      assert.equal(status, 200, `${body}\n${worker.log()}`);
      assert.deepEqual(JSON.parse(body), { p: { x: 1 + dx, y: 0.5 }, printed: [`shifting by ${dx}`], shouted: 'hey!' });
    }
    const { status, body } = await get('/probe');
    assert.equal(status, 200, `${body}\n${worker.log()}`);
    assertProbe(JSON.parse(body));
    assert.doesNotMatch(worker.log(), /error|uncaught/i, worker.log());
  } finally {
    worker.stop();
  }
});
