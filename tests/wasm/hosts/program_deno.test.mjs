// Issue 11 items 2 and 7 in Deno (the npm `deno` package's binary): a project with the
// program package installed in node_modules imports it by name and calls its cells, with
// only --allow-read (to read the .wasm).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { project, run, NAME, PROBE, assertProbe } from './program.mjs';

let host;
let denoDir;

before(() => {
  host = project({
    'main.js': `import * as app from '${NAME}';\n${PROBE}\nconsole.log(JSON.stringify(await probe(app)));\n`,
  });
  denoDir = mkdtempSync(join(tmpdir(), 'lumen-deno-dir-'));
});

after(() => {
  host?.cleanup();
  if (denoDir) rmSync(denoDir, { recursive: true, force: true });
});

test('issue 11 item 7: Deno imports the installed program package and calls its typed cells', async () => {
  const env = { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  const r = await run('deno', ['run', '--allow-read', 'main.js'], { cwd: host.dir, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assertProbe(JSON.parse(r.stdout));
  assert.doesNotMatch(r.stderr, /warn|error/i, r.stderr);
});
