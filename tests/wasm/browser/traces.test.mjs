// Lumen stack traces in headless Chromium (issue 14 items 1 and 6): the error of
// tests/traces/app.lm.md (three cells deep, across an import) has the frames and text
// native `lumen run` has, and its `stack` (what DevTools prints for an uncaught error)
// shows the Lumen frames before the JavaScript ones; the recursion-depth trace is capped.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../lib/browser.mjs';
import { ROOT, PKG_WEB } from '../lib/lumen.mjs';
import { serve } from '../lib/server.mjs';
import { APP_FRAMES, APP_STACK_HEAD, appRun, deepSource, expectedText } from '../lib/traces.mjs';

let server;
let browserHost;
let page;

before(async () => {
  server = await serve(ROOT, { '/pkg/': PKG_WEB });
  browserHost = await launchChromium();
  page = await browserHost.context.newPage();
  await page.goto(`${server.origin}/examples/`);
});

after(async () => {
  await page?.close();
  await browserHost?.close();
  await server?.close();
});

/** Runs `source` with `options` in the page; the fields of its `LumenError`. */
const failIn = (source, options) =>
  page.evaluate(
    async ({ source, options }) => {
      const lumen = await import('/pkg/index.js');
      try {
        await lumen.run(source, options);
        return null;
      } catch (e) {
        return {
          isLumenError: e instanceof lumen.LumenError,
          code: e.code,
          frames: e.frames,
          framesOmitted: e.framesOmitted,
          line: e.line,
          column: e.column,
          rendered: e.rendered,
          stack: e.stack,
        };
      }
    },
    { source, options },
  );

test('issue 14: in Chromium, the error three cells deep has the frames and text of lumen run', async () => {
  const { source, options } = appRun();
  const e = await failIn(source, options);
  assert.ok(e?.isLumenError, JSON.stringify(e));
  assert.equal(e.code, 'E0903');
  assert.deepEqual(e.frames, APP_FRAMES);
  assert.deepEqual([e.line, e.column], [3, 3]);
  assert.equal(e.rendered, expectedText('app.stderr'));
  assert.ok(e.stack.startsWith(`${APP_STACK_HEAD}\n    at `), e.stack);
  console.log(`Chromium's LumenError.stack:\n${e.stack}`);
});

test('issue 14: in Chromium, a recursion-depth error has the capped trace of lumen run', async () => {
  const e = await failIn(deepSource(), { filename: 'deep.lm' });
  assert.equal(e.code, 'E0909');
  assert.equal(e.rendered, expectedText('deep.stderr'));
  assert.equal(e.frames.length, 120);
  assert.equal(e.framesOmitted, 10_000 - 120);
});
