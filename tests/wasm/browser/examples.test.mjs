// The browser examples in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; no browser download): examples/wasm_hello.html and
// examples/wasm_tool_fetch.html load the package `pkg/` (what the README's main command
// writes), served with the rest of the repository by a
// static server on 127.0.0.1 at a random port. Any page error or console error fails the test.
// LUMEN_PKG (or LUMEN_PKG_WEB) serves another build of the package in place of pkg/.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../lib/browser.mjs';
import { ROOT, PKG_WEB, BUILD_HINT, workspaceVersion } from '../lib/lumen.mjs';
import { serve } from '../lib/server.mjs';

const TIMEOUT = 60_000;

let server;
let browserHost;
let context;

before(async () => {
  for (const f of ['index.js', 'lumen_wasm_bg.wasm']) {
    if (!existsSync(join(PKG_WEB, f))) {
      throw new Error(`${join(PKG_WEB, f)} is missing: build it with \`${BUILD_HINT}\``);
    }
  }
  server = await serve(ROOT, { '/pkg/': PKG_WEB });
  browserHost = await launchChromium(TIMEOUT);
  context = browserHost.context;
});

after(async () => {
  await browserHost?.close();
  await server?.close();
});

/**
 * Opens `path` of the server in a new page that records page errors, console errors, failed
 * requests, and every request and response.
 */
async function open(path) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const requests = [];
  const responses = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => responses.push(r));
  await page.goto(`${server.origin}${path}`);
  return { page, problems, requests, responses };
}

/** Clicks `selector` after resetting the page state, so a wait sees this run's outcome. */
async function clickAndSettle(page, selector) {
  await page.evaluate(() => {
    document.body.dataset.state = 'clicked';
  });
  await page.click(selector);
  await page.waitForSelector('body[data-state="done"], body[data-state="failed"]');
}

/** The text of each direct child line of an element (the pages put one line per <div>). */
const lines = (page, selector) =>
  page.$$eval(`${selector} > div`, (divs) => divs.map((d) => d.textContent));

describe('examples/wasm_hello.html', () => {
  test('runs the hello program, shows output, then diagnostics for a broken one', async () => {
    const { page, problems, responses } = await open('/examples/wasm_hello.html');
    try {
      await page.waitForSelector('body[data-state="done"], body[data-state="failed"]');
      assert.equal(await page.getAttribute('body', 'data-state'), 'done', await page.textContent('#status'));
      assert.deepEqual(await lines(page, '#output'), [
        'Hello, WebAssembly!',
        '1 x 1 = 1',
        '2 x 2 = 4',
        '3 x 3 = 9',
        'done',
      ]);
      assert.equal(await page.textContent('#version'), workspaceVersion());
      assert.equal(await page.$$eval('#diagnostics li', (li) => li.length), 0);

      // The wasm binary was served as application/wasm (streaming instantiation).
      const wasm = responses.find((r) => r.url().endsWith('.wasm'));
      assert.ok(wasm, 'the page loaded a .wasm file');
      assert.equal(wasm.headers()['content-type'], 'application/wasm');

      // A broken program: two diagnostics with lines and columns, nothing run.
      await clickAndSettle(page, '#broken');
      assert.equal(await page.getAttribute('body', 'data-state'), 'failed');
      const diags = await page.$$eval('#diagnostics li', (items) =>
        items.map((li) => ({
          code: li.dataset.code,
          line: li.dataset.line,
          column: li.dataset.column,
          severity: li.className,
          text: li.textContent,
        })),
      );
      assert.deepEqual(
        diags.map((d) => [d.code, d.line, d.column, d.severity]),
        [
          ['E0300', '2', '16', 'error'],
          ['E0200', '4', '9', 'error'],
        ],
      );
      assert.ok(diags[0].text.startsWith('hello.lm:2:16 error[E0300]: '), diags[0].text);
      assert.ok(diags[1].text.includes('undefined_name'), diags[1].text);
      assert.deepEqual(await lines(page, '#output'), []);
      assert.match(await page.textContent('#status'), /2 compile errors/);

      // Edit the textarea: a run-time error is shown with its rendered text.
      await page.fill('#source', 'cell main()\n  print("before")\n  halt("stopped")\nend\n');
      await clickAndSettle(page, '#run');
      assert.equal(await page.getAttribute('body', 'data-state'), 'failed');
      const out = await lines(page, '#output');
      assert.equal(out[0], 'before');
      assert.ok(out[1].includes('error[E0905]'), out[1]);
      assert.ok(out[1].includes('hello.lm:3'), out[1]);
      assert.equal(await page.$$eval('#diagnostics li', (li) => li.length), 0);

      // And a fixed program runs again.
      await page.fill('#source', 'cell main() -> Int\n  print("fixed")\n  6 * 7\nend\n');
      await clickAndSettle(page, '#run');
      assert.equal(await page.getAttribute('body', 'data-state'), 'done');
      assert.deepEqual(await lines(page, '#output'), ['fixed', '42']);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});

describe('examples/wasm_tool_fetch.html', () => {
  test('fetches JSON from its own origin through the JS tool; the grant stops another host', async () => {
    const before = server.requests.length;
    const { page, problems, requests } = await open('/examples/wasm_tool_fetch.html');
    try {
      await page.waitForSelector('body[data-state="done"]');
      assert.equal(await page.getAttribute('body', 'data-main'), 'ok', await page.textContent('#output'));
      assert.deepEqual(await lines(page, '#output'), [
        'Morning readings',
        'Oslo: 4.5 °C, overcast',
        'Lima: 19.5 °C, clear',
        '2 cities, average 12.0 °C',
      ]);
      const base = `${server.origin}/examples/data/`;
      assert.equal(await page.textContent('#base'), base);

      // The three calls reached JavaScript, all to the page's own origin.
      const calls = await page.$$eval('#calls li', (li) => li.map((x) => x.textContent));
      assert.deepEqual(calls, [
        `GET ${base}index.json → 200`,
        `GET ${base}oslo.json → 200`,
        `GET ${base}lima.json → 200`,
      ]);
      const served = server.requests.slice(before).map((r) => `${r.status} ${r.path}`);
      for (const f of ['index.json', 'oslo.json', 'lima.json']) {
        assert.ok(served.includes(`200 /examples/data/${f}`), served.join('\n'));
      }

      // The second run: a grant error, and no request ever left for the other host.
      assert.equal(await page.getAttribute('body', 'data-exfiltrate'), 'grant');
      assert.equal(await page.getAttribute('#grant', 'data-code'), 'E0907');
      const grant = await page.textContent('#grant');
      assert.ok(grant.includes('error[E0907]'), grant);
      assert.ok(grant.includes('example.com'), grant);
      assert.ok(grant.includes('domain'), grant);
      assert.ok(grant.includes('wasm_tool_fetch.lm.md:'), grant);
      assert.ok(!requests.some((u) => u.includes('example.com')), requests.join('\n'));
      assert.equal(calls.filter((c) => c.includes('example.com')).length, 0);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
