// One program, five hosts: examples/cross_host.lm.md runs natively (`lumen run`), through
// the Node.js package (`pkg/` through `require`), in headless Chromium (`pkg/` by URL, served on
// 127.0.0.1), under `node:wasi` and in Wasmtime (`pkg-wasi/lumen.wasm`); the five outputs
// must be identical (and not empty).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../lib/browser.mjs';
import { ROOT, PKG_WEB, loadLumen, stdoutOf } from '../lib/lumen.mjs';
import { serve } from '../lib/server.mjs';
import { runNodeWasi, runWasmtime } from '../lib/wasi.mjs';

const FILE = 'cross_host.lm.md';
const DIR = join(ROOT, 'examples');
const SOURCE = readFileSync(join(DIR, FILE), 'utf8');
let server;
let browserHost;
let context;

before(async () => {
  server = await serve(ROOT, { '/pkg/': PKG_WEB });
  browserHost = await launchChromium();
  context = browserHost.context;
});

after(async () => {
  await browserHost?.close();
  await server?.close();
});

function native() {
  const bin = process.env.LUMEN_BIN;
  assert.ok(bin, 'LUMEN_BIN (a native lumen) is needed; scripts/test-wasm.sh sets it');
  const r = spawnSync(bin, ['run', FILE], { cwd: DIR, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

async function nodePackage() {
  const r = await loadLumen().run(SOURCE, { filename: FILE });
  return stdoutOf(r.output, r.display);
}

async function browser() {
  const page = await context.newPage();
  try {
    await page.goto(`${server.origin}/examples/`);
    return await page.evaluate(
      async ({ source, filename }) => {
        const lumen = await import('/pkg/index.js');
        const r = await lumen.run(source, { filename });
        return r.output.map((l) => `${l}\n`).join('') + (r.display ? `${r.display}\n` : '');
      },
      { source: SOURCE, filename: FILE },
    );
  } finally {
    await page.close();
  }
}

async function wasi(run) {
  const r = await run(DIR, ['run', FILE]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('the same output natively, in Node, in Chromium, in node:wasi and in Wasmtime', async () => {
  const outputs = {
    native: native(),
    'node (wasm-bindgen)': await nodePackage(),
    chromium: await browser(),
    'node:wasi': await wasi(runNodeWasi),
    wasmtime: await wasi(runWasmtime),
  };
  assert.ok(outputs.native.split('\n').length > 5, outputs.native);
  for (const [host, out] of Object.entries(outputs)) {
    assert.equal(out, outputs.native, `${host} differs from native`);
  }
});
