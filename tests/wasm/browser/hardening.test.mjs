// Issue 10 in headless Chromium (the package pkg/): a trap never poisons the instance (item 4), a
// runaway loop is cancelled through an AbortSignal (item 7), and an ungranted http.get
// never reaches the page's JS function (item 6).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../lib/browser.mjs';
import { ROOT, PKG_WEB } from '../lib/lumen.mjs';
import { serve } from '../lib/server.mjs';

let server;
let browserHost;
let page;
const pageErrors = [];

before(async () => {
  server = await serve(ROOT, { '/pkg/': PKG_WEB });
  browserHost = await launchChromium();
  page = await browserHost.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${server.origin}/examples/`);
  await page.evaluate(async () => {
    const lumen = await import('/pkg/index.js');
    globalThis.lumen = lumen;
    globalThis.escaped = [];
    addEventListener('error', (e) => escaped.push(String(e.message)));
    addEventListener('unhandledrejection', (e) => escaped.push(String(e.reason)));
    // The error fields a test looks at.
    globalThis.info = (e) =>
      e && {
        name: e.name,
        kind: e.kind,
        code: e.code,
        message: e.message,
        isLumenError: e instanceof lumen.LumenError,
      };
  });
});

after(async () => {
  await page?.close();
  await browserHost?.close();
  await server?.close();
});

test('issue 10 item 4: in Chromium, a trap in check() or run() fails that call and the next ones work', async () => {
  const r = await page.evaluate(async () => {
    const ok = 'cell main() -> Int\n  40 + 2\nend\n';
    const out = {};
    for (const kind of ['trap', 'overflow']) {
      lumen.__lumenTestFault(kind);
      try {
        lumen.check(ok);
        out[`check-${kind}`] = null;
      } catch (e) {
        out[`check-${kind}`] = info(e);
      }
      out[`after-check-${kind}`] = lumen.check(ok).length;
      lumen.__lumenTestFault(kind);
      out[`run-${kind}`] = await lumen.run(ok).then(() => null, info);
      out[`after-run-${kind}`] = (await lumen.run(ok)).value;
    }
    // A long operator chain: diagnostics, a compile error or an internal error, never a
    // poisoned instance.
    const chain = `cell main() -> Int\n  ${Array(20000).fill('1').join(' + ')}\nend\n`;
    try {
      out.chain = { diagnostics: lumen.check(chain).length };
    } catch (e) {
      out.chain = info(e);
    }
    out.afterChain = (await lumen.run(ok)).value;
    await new Promise((r) => setTimeout(r, 20));
    out.escaped = escaped;
    return out;
  });
  for (const kind of ['trap', 'overflow']) {
    for (const call of ['check', 'run']) {
      const e = r[`${call}-${kind}`];
      assert.ok(e, `${call} with a ${kind} did not fail`);
      assert.equal(e.isLumenError, true, JSON.stringify(e));
      assert.equal(e.kind, 'internal');
      assert.equal(e.code, 'E0999');
      assert.match(e.message, /reset/);
    }
    assert.equal(r[`after-check-${kind}`], 0);
    assert.equal(r[`after-run-${kind}`], 42);
  }
  assert.ok(r.chain.diagnostics !== undefined || ['internal', 'compile'].includes(r.chain.kind), JSON.stringify(r.chain));
  assert.equal(r.afterChain, 42);
  assert.deepEqual(r.escaped, []);
  assert.deepEqual(pageErrors, []);
});

test('issue 10 item 7: in Chromium, aborting the signal cancels a runaway loop (E0915)', async () => {
  const r = await page.evaluate(async () => {
    const runaway = 'cell main() -> Int\n  let mut i = 0\n  while true\n    i = i + 1\n  end\n  i\nend\n';
    const stop = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    setTimeout(() => stop.abort('stop button'), 100);
    const started = performance.now();
    const err = await lumen.run(runaway, { signal: stop.signal }).then(() => null, info);
    clearInterval(timer);
    return { err, ms: performance.now() - started, ticks };
  });
  assert.ok(r.err, 'the runaway loop was not cancelled');
  assert.equal(r.err.kind, 'cancelled');
  assert.equal(r.err.code, 'E0915');
  assert.equal(r.err.message, 'the run was cancelled: stop button');
  assert.ok(r.ms < 5_000, `cancelled after ${r.ms} ms`);
  // The 5 ms timer fired while the loop ran (how often depends on the machine's load: the
  // abort itself came from a timer, so at least the earlier-due interval ran first).
  assert.ok(r.ticks >= 1, 'the page stayed responsive while the loop ran');
});

test('issue 10 item 6: in Chromium, http.get with no grant is E0907 and the JS function is never called', async () => {
  const r = await page.evaluate(async () => {
    let called = 0;
    const source =
      'use tool http.get as Get\n\ncell main() -> Json\n  Get(url: "http://169.254.169.254/latest/meta-data/")\nend\n';
    const err = await lumen
      .run(source, { tools: { 'http.get': () => (called++, { body: 'secret' }) } })
      .then(() => null, info);
    return { err, called };
  });
  assert.equal(r.called, 0);
  assert.equal(r.err.kind, 'grant');
  assert.equal(r.err.code, 'E0907');
  assert.match(r.err.message, /requires a `domain` grant/);
});
