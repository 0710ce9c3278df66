// Issue 11 item 2 in Deno (the npm `deno` package's binary): a project with the package
// installed in node_modules imports it by name (Deno picks the `deno` condition) and runs the
// program, with only --allow-read (to read the .wasm).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { project, run, PROBE, assertProbe } from './pack.mjs';

let host;
let denoDir;

before(() => {
  host = project({
    'main.js': `import * as lumen from 'lumen-wasm';\n${PROBE}\nconsole.log(JSON.stringify(await probe(lumen)));\n`,
    'resolved.js': `console.log(import.meta.resolve('lumen-wasm'));\n`,
  });
  denoDir = mkdtempSync(join(tmpdir(), 'lumen-deno-dir-'));
});

after(() => {
  host?.cleanup();
  if (denoDir) rmSync(denoDir, { recursive: true, force: true });
});

const env = () => ({ ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' });

test('issue 11 item 2: Deno imports the installed package and runs a program', async () => {
  const r = await run('deno', ['run', '--allow-read', 'main.js'], { cwd: host.dir, env: env() });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assertProbe(JSON.parse(r.stdout));
  assert.doesNotMatch(r.stderr, /warn|error/i, r.stderr);
});

test('issue 11 item 2: Deno resolves the package to its ES module entry', async () => {
  const r = await run('deno', ['run', '--allow-read', 'resolved.js'], { cwd: host.dir, env: env() });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout.trim(), /node_modules\/lumen-wasm\/index\.js$/);
});
