// Issue 11 item 2 in Node.js: the packed package installed from its tarball into a fresh
// project works with `import` (ES module entry) and with `require` (a real CommonJS entry),
// with no init() call; both run a program with a JS tool and check a broken one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { project, run, PROBE, assertProbe } from './pack.mjs';

let host;

before(() => {
  host = project();
});

after(() => host?.cleanup());

test('issue 11 item 2: Node.js `import` of the installed package runs a program without init()', async () => {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    `${host.dir}/probe.mjs`,
    `import * as lumen from '${host.name}';\n${PROBE}\n` +
      `if (typeof lumen.init !== 'function') throw new Error('no init export');\n` +
      `await lumen.init();\nconsole.log(JSON.stringify(await probe(lumen)));\n`,
  );
  const r = await run(process.execPath, ['probe.mjs'], { cwd: host.dir });
  assert.equal(r.code, 0, r.stderr);
  assertProbe(JSON.parse(r.stdout));
  assert.equal(r.stderr, '', 'no warnings');
});

test('issue 11 item 2: Node.js `require` of the installed package is CommonJS and runs a program', async () => {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    `${host.dir}/probe.cjs`,
    `const lumen = require('${host.name}');\n${PROBE}\n` +
      `const path = require.resolve('${host.name}');\n` +
      `if (!path.endsWith('.cjs')) throw new Error('require resolved to ' + path);\n` +
      `probe(lumen).then((s) => console.log(JSON.stringify(s)), (e) => { console.error(e); process.exit(1); });\n`,
  );
  const r = await run(process.execPath, ['probe.cjs'], { cwd: host.dir });
  assert.equal(r.code, 0, r.stderr);
  assertProbe(JSON.parse(r.stdout));
  assert.equal(r.stderr, '', 'no warnings');
});

test('issue 11 item 2: the ES module and CommonJS entries export the same API', async () => {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    `${host.dir}/names.mjs`,
    `import { createRequire } from 'node:module';\nimport * as esm from '${host.name}';\n` +
      `const cjs = createRequire(import.meta.url)('${host.name}');\n` +
      `console.log(JSON.stringify([Object.keys(esm).sort(), Object.keys(cjs).sort()]));\n`,
  );
  const r = await run(process.execPath, ['names.mjs'], { cwd: host.dir });
  assert.equal(r.code, 0, r.stderr);
  const [esm, cjs] = JSON.parse(r.stdout);
  assert.deepEqual(esm, cjs);
  for (const name of ['init', 'run', 'check', 'compile', 'version', 'LumenError']) {
    assert.ok(esm.includes(name), `exports ${name}: ${esm}`);
  }
});

test('issue 11 item 2: with its .wasm gone the ES module entry still imports, and each call says why', async () => {
  const { cpSync, rmSync, writeFileSync } = await import('node:fs');
  const copy = `${host.dir}/broken-copy`;
  cpSync(`${host.dir}/node_modules/${host.name}`, copy, { recursive: true });
  rmSync(`${copy}/lumen_wasm_bg.wasm`);
  writeFileSync(
    `${host.dir}/broken.mjs`,
    `import * as lumen from './broken-copy/index.node.js';\n` +
      `const said = [];\n` +
      `try { lumen.version(); } catch (e) { said.push(e.message); }\n` +
      `try { await lumen.run('cell main() end'); } catch (e) { said.push(e.message); }\n` +
      `console.log(JSON.stringify(said));\n`,
  );
  const r = await run(process.execPath, ['broken.mjs'], { cwd: host.dir });
  assert.equal(r.code, 0, r.stderr);
  const said = JSON.parse(r.stdout);
  assert.equal(said.length, 2, r.stdout);
  for (const m of said) {
    assert.match(m, /^lumen: the WebAssembly runtime is not loaded: .*lumen_wasm_bg\.wasm/);
    assert.match(m, /init\(url \| bytes \| WebAssembly\.Module\)/);
    assert.doesNotMatch(m, /__wbindgen/);
  }
});

test('issue 11 item 2: init() resolves in Node.js (no fetch of a file URL)', async () => {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    `${host.dir}/init.cjs`,
    `const lumen = require('${host.name}');\n` +
      `lumen.init().then(() => import('${host.name}')).then((m) => m.init()).then(() => console.log('ok'));\n`,
  );
  const r = await run(process.execPath, ['init.cjs'], { cwd: host.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});
