// examples/component_plugin (issue 12 item 7): the invoice-checking plugin built as a
// component the way its README says (`lumen build --target wasm --wasm-target component`,
// then `jco transpile --instantiation async`), hosted by the example's own `host.mjs` in a
// child `node`, as a user runs it: in a folder of its own whose node_modules provides
// @bytecodealliance/preview2-shim (here a link to tests/wasm's). Its output must be
// `host.out`, the same lines `host.py` prints (tests/python/test_component_plugin.py).
//
// Environment: LUMEN_BIN, a `lumen` with the `build` feature (lib/examples.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/lumen.mjs';
import { buildComponent } from '../lib/component.mjs';
import { JCO } from '../lib/jco.mjs';
import { runProcess } from '../lib/wasi.mjs';

const EXAMPLE = join(ROOT, 'examples', 'component_plugin');
const NODE_MODULES = join(ROOT, 'tests', 'wasm', 'node_modules');

let dir;
let wasm;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-component-plugin-'));
  wasm = buildComponent(join(EXAMPLE, 'plugin.lm.md'), join(dir, 'out'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('issue 12 item 7: the example plugin builds into a component and its world', () => {
  const wit = readFileSync(join(dir, 'out', 'plugin.wit'), 'utf8');
  assert.match(wit, /lookup: func\(sku: string\) -> option<product>;/);
  assert.match(wit, /export check: func\(inv: invoice\) -> result<result<report, string>, lumen-error>;/);
  // The README shows the world as `lumen build` writes it.
  const readme = readFileSync(join(EXAMPLE, 'README.md'), 'utf8');
  assert.ok(readme.includes(wit.trimEnd()), 'README.md does not show the generated plugin.wit');
});

test('issue 12 item 7: host.mjs supplies kb.lookup from JavaScript and prints the verdicts', async () => {
  const js = join(dir, 'out', 'js');
  const t = await runProcess(JCO, ['transpile', wasm, '-o', js, '--instantiation', 'async', '--quiet'], dir);
  assert.equal(t.code, 0, `jco transpile failed:\n${t.stdout}${t.stderr}`);
  // The host in a folder of its own, as a user has it after `npm install`.
  copyFileSync(join(EXAMPLE, 'host.mjs'), join(dir, 'host.mjs'));
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  const r = await runProcess(process.execPath, ['host.mjs', 'out/js'], dir);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, readFileSync(join(EXAMPLE, 'host.out'), 'utf8'));
  // The grant stopped the ninth look-up inside the component: 2 + 3 + 0 + 8 reached JS.
  assert.match(r.stdout, /INV-1004: lumen error E0907: .*max_calls 8 exceeded/);
  assert.match(r.stdout, /catalogue look-ups: 13\n$/);
});
