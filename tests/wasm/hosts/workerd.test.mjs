// Issue 11 item 2 in Cloudflare workerd (the npm `workerd` package's binary): a worker that
// imports the package is bundled the way wrangler does it (esbuild with the `workerd`
// condition, `.wasm` imports left as modules), and workerd serves it on 127.0.0.1; each
// request runs the program with run() and checks a broken one with check().

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveWorker } from './workerd.mjs';
import { project, run, freePort, BIN, SOURCE, BROKEN } from './pack.mjs';

let host;

before(() => {
  host = project({
    'worker.js': `import * as lumen from 'lumen-wasm';

export default {
  async fetch(request) {
    const n = Number(new URL(request.url).searchParams.get('n'));
    const lines = [];
    const result = await lumen.run(${JSON.stringify(SOURCE)}, {
      filename: 'app.lm',
      args: [n],
      tools: { 'echo.upper': ({ text }) => ({ text: String(text).toUpperCase() }) },
      onPrint: (line) => lines.push(line),
    });
    return Response.json({
      version: lumen.version(),
      value: result.value,
      output: result.output,
      printed: lines,
      diagnostics: lumen.check(${JSON.stringify(BROKEN)}, 'broken.lm').map((d) => d.code),
    });
  },
};
`,
  });
});

after(() => host?.cleanup());

test('issue 11 item 2: workerd serves a worker that runs a program per request', async () => {
  const worker = await serveWorker(host.dir, `node_modules/${host.name}/lumen_wasm_bg.wasm`, { run, freePort, BIN });
  const { get } = worker;
  try {
    for (const n of [21, 5]) {
      const { status, body } = await get(`/?n=${n}`);
      assert.equal(status, 200, `${body}\n${worker.log()}`);
      const r = JSON.parse(body);
      assert.equal(r.value, n * 2);
      assert.deepEqual(r.output, ['tool said {"text": "HI"}', `n is ${n}`]);
      assert.deepEqual(r.printed, r.output);
      assert.equal(typeof r.version, 'string');
      assert.ok(r.diagnostics.length > 0 && /^E\d{4}$/.test(r.diagnostics[0]), body);
    }
    assert.doesNotMatch(worker.log(), /error|uncaught/i, worker.log());
  } finally {
    worker.stop();
  }
});
