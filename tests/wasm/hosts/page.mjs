// Pages in headless Chromium, shared by browser.test.mjs (the runtime package) and
// program_browser.test.mjs (a program package): a page publishes what its probe resolved to
// on <body> (`PUBLISH`), `probePage` opens it and collects every problem the page had, and
// `startViteDev` runs the Vite dev server on a project.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** How long a page, a dev server or a worker may take. */
export const TIMEOUT = 60_000;

/** Page code: publishes what the promise `p` resolves to (or why it failed) on <body>. */
export const PUBLISH = `
function publish(p) {
  p.then(
    (r) => { document.body.dataset.result = JSON.stringify(r); },
    (e) => { document.body.dataset.error = String((e && e.stack) || e); },
  );
}
`;

/**
 * A page that runs `/worker.js` as a module Web Worker and publishes what it posts
 * (`{result}` or `{error}`) on <body>, the result marked `inWorker: true`.
 */
export const WORKER_PAGE = `<!doctype html><html><body><script type="module">
const w = new Worker('/worker.js', { type: 'module' });
w.onmessage = ({ data }) => {
  if (data.error) document.body.dataset.error = data.error;
  else document.body.dataset.result = JSON.stringify({ ...data.result, inWorker: true });
};
w.onerror = (e) => { document.body.dataset.error = 'worker error: ' + e.message; };
</script></body></html>\n`;

/**
 * Opens `url` in `browser` (lib/browser.mjs), waits for the published summary; returns
 * `{result, problems}`: page errors, console errors and warnings, failed requests and HTTP
 * errors, except those matching one of `allow` (and the browser's own favicon request).
 */
export async function probePage(browser, url, { allow: given = [] } = {}) {
  const allow = [...given];
  const page = await browser.context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const allowed = (text) => allow.some((re) => re.test(text));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !allowed(m.text())) {
      problems.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  // A failed load is reported by URL (below); the browser's own favicon request is not ours.
  allow.push(/^Failed to load resource/);
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico') && !allowed(`${r.status()} ${r.url()}`)) {
      problems.push(`HTTP ${r.status()}: ${r.url()}`);
    }
  });
  try {
    await page.goto(url);
    await page.waitForSelector('body[data-result], body[data-error]', { state: 'attached' });
    const error = await page.getAttribute('body', 'data-error');
    assert.equal(error, null, `the page failed: ${error}`);
    const result = JSON.parse(await page.getAttribute('body', 'data-result'));
    return { result, problems };
  } finally {
    await page.close();
  }
}

/**
 * Starts the Vite dev server in `dir` on a free port (`tools`: pack.mjs's `{freePort, BIN}`)
 * and waits until it answers; resolves to `{origin, log(), stop()}`.
 */
export async function startViteDev(dir, { freePort, BIN }) {
  const port = await freePort();
  const child = spawn(join(BIN, 'vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    try {
      const res = await fetch(`${origin}/`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGTERM');
      assert.fail(`vite did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { origin, log: () => log, stop: () => child.kill('SIGTERM') };
}
