// Issue 11 item 2 in headless Chromium: the same installed package with no bundler (an
// import map, and a plain URL import), bundled by Vite (`vite build` and the dev server), by
// webpack 5 and by esbuild, and inside a module Web Worker. No plugin, no loader config, no init().
// Each page runs PROBE (run() with a JS tool, check()) and publishes the summary on <body>.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium } from '../lib/browser.mjs';
import { PUBLISH, TIMEOUT, WORKER_PAGE, probePage, startViteDev } from './page.mjs';
import { serve } from '../lib/server.mjs';
import { project, run, freePort, BIN, PROBE, assertProbe } from './pack.mjs';

let host;
let browser;

before(async () => {
  host = project({
    'probe.js': `${PROBE}\nexport { probe };\n`,
    'main.js': `import * as lumen from 'lumen-wasm';\nimport { probe } from './probe.js';\n${PUBLISH}\npublish(probe(lumen));\n`,
    'index.html': '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n',
    'importmap.html':
      '<!doctype html><html><head><script type="importmap">{"imports": {"lumen-wasm": "/node_modules/lumen-wasm/index.js"}}</script></head>' +
      '<body><script type="module" src="./main.js"></script></body></html>\n',
    'url.html': `<!doctype html><html><body><script type="module">
import * as lumen from '/node_modules/lumen-wasm/index.js';
import { probe } from '/probe.js';
${PUBLISH}
publish(probe(lumen));
</script></body></html>\n`,
    'worker.js': `import * as lumen from '/node_modules/lumen-wasm/index.js';
import { probe } from '/probe.js';
probe(lumen).then((result) => postMessage({ result }), (e) => postMessage({ error: String((e && e.stack) || e) }));
`,
    'worker.html': WORKER_PAGE,
    'esbuild.html': '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n',
    'esbuild-init.js': `import * as lumen from 'lumen-wasm';
import { probe } from './probe.js';
${PUBLISH}
let message = '';
try { lumen.check('cell main() end'); } catch (e) { message = e.message; }
publish(lumen.init('/node_modules/lumen-wasm/lumen_wasm_bg.wasm').then(async () => ({ ...(await probe(lumen)), before: message })));
`,
  });
  browser = await launchChromium(TIMEOUT);
});

after(async () => {
  await browser?.close();
  host?.cleanup();
});

describe('issue 11 item 2: one package in the browser', () => {
  let server;
  before(async () => {
    server = await serve(host.dir);
  });
  after(async () => server?.close());

  test('issue 11 item 2: no bundler, through an import map', async () => {
    const { result, problems } = await probePage(browser, `${server.origin}/importmap.html`);
    assertProbe(result);
    assert.deepEqual(problems, []);
  });

  test('issue 11 item 2: no bundler, the entry imported by URL (as from a CDN)', async () => {
    const { result, problems } = await probePage(browser, `${server.origin}/url.html`);
    assertProbe(result);
    assert.deepEqual(problems, []);
  });

  test('issue 11 item 2: inside a module Web Worker', async () => {
    const { result, problems } = await probePage(browser, `${server.origin}/worker.html`);
    assertProbe(result);
    assert.equal(result.inWorker, true);
    assert.deepEqual(problems, []);
  });
});

describe('issue 11 item 2: bundled by Vite', () => {
  test('issue 11 item 2: `vite build` output runs (the .wasm emitted as an asset)', async () => {
    const r = await run('vite', ['build', '--outDir', 'dist-vite', '--logLevel', 'warn'], { cwd: host.dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr.trim(), '', `vite build warned: ${r.stderr}`);
    const server = await serve(join(host.dir, 'dist-vite'));
    try {
      const { result, problems } = await probePage(browser, `${server.origin}/index.html`);
      assertProbe(result);
      assert.deepEqual(problems, []);
      assert.ok(
        server.requests.some((q) => /\.wasm$/.test(q.path) && q.status === 200),
        `the bundle fetched the emitted .wasm: ${JSON.stringify(server.requests)}`,
      );
    } finally {
      await server.close();
    }
  });

  test('issue 11 item 2: the Vite dev server serves it', async () => {
    const vite = await startViteDev(host.dir, { freePort, BIN });
    try {
      const { result, problems } = await probePage(browser, `${vite.origin}/index.html`, {
        allow: [/\[vite\]/],
      });
      assertProbe(result);
      assert.deepEqual(problems, []);
      assert.doesNotMatch(vite.log(), /error/i, vite.log());
    } finally {
      vite.stop();
    }
  });
});

describe('issue 11 item 2: bundled by webpack 5 (no config)', () => {
  test('issue 11 item 2: `webpack --mode production` output runs (the .wasm emitted as an asset)', async () => {
    const r = await run(
      'webpack',
      ['--mode', 'production', '--entry', './main.js', '--output-path', 'dist-webpack', '--no-stats'],
      { cwd: host.dir, env: { ...process.env, NO_COLOR: '1' } },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /warning|error/i, r.stdout + r.stderr);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(host.dir, 'dist-webpack', 'index.html'), '<!doctype html><html><body><script src="./main.js"></script></body></html>\n');
    const server = await serve(join(host.dir, 'dist-webpack'));
    try {
      const { result, problems } = await probePage(browser, `${server.origin}/index.html`);
      assertProbe(result);
      assert.deepEqual(problems, []);
      assert.ok(
        server.requests.some((q) => /\.wasm$/.test(q.path) && q.status === 200),
        `the bundle fetched the emitted .wasm: ${JSON.stringify(server.requests)}`,
      );
    } finally {
      await server.close();
    }
  });
});

describe('issue 11 item 2: bundled by esbuild (no loader, no plugin, nothing copied)', () => {
  test('issue 11 item 2: the bundle alone runs (the `browser` entry inlines the runtime)', async () => {
    const r = await run(
      'esbuild',
      ['main.js', '--bundle', '--format=esm', '--platform=browser', '--outfile=dist-esbuild/main.js', '--log-level=warning'],
      { cwd: host.dir },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr.trim(), '', `esbuild warned: ${r.stderr}`);
    const { writeFileSync, readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(join(host.dir, 'dist-esbuild')), ['main.js']);
    writeFileSync(join(host.dir, 'dist-esbuild', 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n');
    // Only the bundle's directory is served: there is no .wasm to fetch.
    const server = await serve(join(host.dir, 'dist-esbuild'));
    try {
      const { result, problems } = await probePage(browser, `${server.origin}/index.html`);
      assertProbe(result);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        server.requests.filter((q) => q.status !== 200),
        [],
        `every request was served: ${JSON.stringify(server.requests)}`,
      );
      assert.ok(!server.requests.some((q) => /\.wasm$/.test(q.path)), JSON.stringify(server.requests));
    } finally {
      await server.close();
    }
  });

  test('issue 11 item 2: with custom conditions (the asset entry) and no .wasm next to the bundle, the API says why and init(url) loads it', async () => {
    const r = await run(
      'esbuild',
      ['esbuild-init.js', '--bundle', '--format=esm', '--platform=browser', '--conditions=production', '--outfile=dist-esbuild-init/main.js', '--log-level=warning'],
      { cwd: host.dir },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(host.dir, 'dist-esbuild-init', 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n');
    const server = await serve(host.dir);
    try {
      const { result, problems } = await probePage(browser, `${server.origin}/dist-esbuild-init/index.html`, {
        allow: [/^404 .*\/dist-esbuild-init\/lumen_wasm_bg\.wasm$/],
      });
      assertProbe(result);
      assert.match(result.before, /the WebAssembly runtime is not loaded/);
      assert.match(result.before, /404/);
      assert.match(result.before, /init\(url \| bytes \| WebAssembly\.Module\)/);
      assert.deepEqual(problems, []);
    } finally {
      await server.close();
    }
  });
});
