// Issue 11 items 2 and 7 in headless Chromium: the installed PROGRAM package (program.mjs)
// with no bundler (an import map), inside a module Web Worker, bundled by Vite (build and dev server),
// webpack 5 and esbuild. No plugin, no loader config, no init(). Each page calls the typed cells (PROBE)
// and publishes the summary on <body>.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../lib/browser.mjs';
import { PUBLISH, TIMEOUT, WORKER_PAGE, probePage, startViteDev } from './page.mjs';
import { serve } from '../lib/server.mjs';
import { project, run, freePort, BIN, NAME, PROBE, assertProbe } from './program.mjs';

const PAGE = '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n';

let host;
let browser;

before(async () => {
  host = project({
    'probe.js': `${PROBE}\nexport { probe };\n`,
    'main.js': `import * as app from '${NAME}';\nimport { probe } from './probe.js';\n${PUBLISH}\npublish(probe(app));\n`,
    'index.html': PAGE,
    'importmap.html':
      `<!doctype html><html><head><script type="importmap">{"imports": {"${NAME}": "/node_modules/${NAME}/index.js"}}</script></head>` +
      '<body><script type="module" src="./main.js"></script></body></html>\n',
    'worker.js': `import * as app from '/node_modules/${NAME}/index.js';
import { probe } from '/probe.js';
probe(app).then((result) => postMessage({ result }), (e) => postMessage({ error: String((e && e.stack) || e) }));
`,
    'worker.html': WORKER_PAGE,
  });
  browser = await launchChromium(TIMEOUT);
});

after(async () => {
  await browser?.close();
  host?.cleanup();
});

describe('issue 11 item 7: the program package in the browser', () => {
  let server;
  before(async () => {
    server = await serve(host.dir);
  });
  after(async () => server?.close());

  test('issue 11 item 7: no bundler, through an import map', async () => {
    const { result, problems } = await probePage(browser, `${server.origin}/importmap.html`);
    assertProbe(result);
    assert.deepEqual(problems, []);
  });

  test('issue 11 item 7: inside a module Web Worker', async () => {
    const { result, problems } = await probePage(browser, `${server.origin}/worker.html`);
    assertProbe(result);
    assert.equal(result.inWorker, true);
    assert.deepEqual(problems, []);
  });
});

test('issue 11 item 7: the program package bundled by `vite build` runs', async () => {
  const r = await run('vite', ['build', '--outDir', 'dist-vite', '--logLevel', 'warn'], { cwd: host.dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr.trim(), '', `vite build warned: ${r.stderr}`);
  const server = await serve(join(host.dir, 'dist-vite'));
  try {
    const { result, problems } = await probePage(browser, `${server.origin}/index.html`);
    assertProbe(result);
    assert.deepEqual(problems, []);
  } finally {
    await server.close();
  }
});

test('issue 11 item 7: the Vite dev server serves the program package', async () => {
  const vite = await startViteDev(host.dir, { freePort, BIN });
  try {
    const { result, problems } = await probePage(browser, `${vite.origin}/index.html`, { allow: [/\[vite\]/] });
    assertProbe(result);
    assert.deepEqual(problems, []);
    assert.doesNotMatch(vite.log(), /error/i, vite.log());
  } finally {
    vite.stop();
  }
});

test('issue 11 item 7: the program package bundled by webpack 5 (no config) runs', async () => {
  const r = await run(
    'webpack',
    ['--mode', 'production', '--entry', './main.js', '--output-path', 'dist-webpack', '--no-stats'],
    { cwd: host.dir, env: { ...process.env, NO_COLOR: '1' } },
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /warning|error/i, r.stdout + r.stderr);
  writeFileSync(join(host.dir, 'dist-webpack', 'index.html'), '<!doctype html><html><body><script src="./main.js"></script></body></html>\n');
  const server = await serve(join(host.dir, 'dist-webpack'));
  try {
    const { result, problems } = await probePage(browser, `${server.origin}/index.html`);
    assertProbe(result);
    assert.deepEqual(problems, []);
  } finally {
    await server.close();
  }
});

test('issue 11 item 7: the program package bundled by esbuild runs from the bundle alone (runtime inlined, nothing copied)', async () => {
  const r = await run(
    'esbuild',
    ['main.js', '--bundle', '--format=esm', '--platform=browser', '--outfile=dist-esbuild/main.js', '--log-level=warning'],
    { cwd: host.dir },
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr.trim(), '', `esbuild warned: ${r.stderr}`);
  writeFileSync(join(host.dir, 'dist-esbuild', 'index.html'), PAGE);
  const server = await serve(join(host.dir, 'dist-esbuild'));
  try {
    const { result, problems } = await probePage(browser, `${server.origin}/index.html`);
    assertProbe(result);
    assert.deepEqual(problems, []);
    assert.ok(!server.requests.some((q) => q.status !== 200 || /\.wasm$/.test(q.path)), JSON.stringify(server.requests));
  } finally {
    await server.close();
  }
});
