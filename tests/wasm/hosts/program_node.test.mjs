// Issue 11 items 1, 2 and 7 in Node.js: the program package built by `lumen build --target
// wasm app.lm.md` (see program.mjs), installed from its tarball into a fresh project,
// imported by name with `import` and with `require`: cells called with typed arguments and
// JS tools, values, printed output and each error kind; then `tsc --noEmit --strict` over
// tests/wasm/types/*.ts importing the INSTALLED package's types.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { project, run, NAME, PROBE, assertProbe, TYPES, BIN } from './program.mjs';

let host;

before(() => {
  host = project();
});

after(() => host?.cleanup());

const node = (file, text) => {
  writeFileSync(join(host.dir, file), text);
  return run(process.execPath, [file], { cwd: host.dir });
};

test('issue 11 item 2: Node `import` of the installed program package calls its typed cells', async () => {
  const r = await node(
    'probe.mjs',
    `import * as app from '${NAME}';\n${PROBE}\nconsole.log(JSON.stringify(await probe(app)));\n`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warnings');
  assertProbe(JSON.parse(r.stdout));
});

test('issue 11 item 2: Node `require` of the installed program package is CommonJS with the same cells', async () => {
  const r = await node(
    'probe.cjs',
    `const app = require('${NAME}');\n${PROBE}\n` +
      `const path = require.resolve('${NAME}');\n` +
      `if (!path.endsWith('/${NAME}/index.cjs')) throw new Error('require resolved to ' + path);\n` +
      `probe(app).then((s) => console.log(JSON.stringify(s)), (e) => { console.error(e); process.exit(1); });\n`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warnings');
  assertProbe(JSON.parse(r.stdout));
});

test('issue 11 item 2: import and require export the same names; printed lines default to console.log', async () => {
  const r = await node(
    'names.mjs',
    `import { createRequire } from 'node:module';\nimport * as esm from '${NAME}';\n` +
      `const cjs = createRequire(import.meta.url)('${NAME}');\n` +
      `console.error(JSON.stringify([Object.keys(esm).sort(), Object.keys(cjs).sort(), import.meta.resolve('${NAME}')]));\n` +
      `const tools = { 'llm.chat': () => '', 'text.shout': () => '' };\n` +
      `await esm.shift({ x: 0, y: 0 }, 2, { tools });\nawait cjs.shift({ x: 0, y: 0 }, 5, { tools });\n`,
  );
  assert.equal(r.code, 0, r.stderr);
  const [esm, cjs, resolved] = JSON.parse(r.stderr);
  assert.deepEqual(esm, cjs);
  for (const name of ['shift', 'area', 'shapes', 'divide', 'summarize', 'delete_', 'LumenError', 'init']) {
    assert.ok(esm.includes(name), `exports ${name}: ${esm}`);
  }
  assert.match(resolved, new RegExp(`/node_modules/${NAME}/index\\.node\\.js$`));
  assert.equal(r.stdout, 'shifting by 2\nshifting by 5\n');
});

test('issue 11 newuser item 2: the program package re-exports the runtime init, which resolves', async () => {
  const r = await node(
    'init.mjs',
    `import { createRequire } from 'node:module';\nimport { init, shift } from '${NAME}';\n` +
      `const cjs = createRequire(import.meta.url)('${NAME}');\n` +
      `if (typeof init !== 'function' || typeof cjs.init !== 'function') throw new Error('no init');\n` +
      `console.log(String(await init()), String(await cjs.init()));\n` +
      `const tools = { 'llm.chat': () => '', 'text.shout': () => '' };\n` +
      `console.log(JSON.stringify(await shift({ x: 1, y: 0 }, 1, { tools, onPrint: () => {} })));\n`,
  );
  assert.equal(r.code, 0, r.stderr);
  const [resolved, moved] = r.stdout.trim().split('\n');
  assert.equal(resolved, 'undefined undefined');
  assert.ok(moved.startsWith('{'), moved);
});

test('issue 11 newuser item 7: the options object passed for a defaulted argument is a clear LumenError', async () => {
  const r = await node(
    'arity.mjs',
    `import { greet, LumenError } from '${NAME}';\n` +
      `const tools = { 'llm.chat': () => '', 'text.shout': () => '' };\n` +
      `const out = [];\n` +
      `try { await greet({ x: 1, y: 2 }, { tools }); out.push('resolved'); } catch (e) {\n` +
      `  out.push(e instanceof LumenError, e.name, e.kind, e.code, e.message);\n}\n` +
      `out.push(await greet({ x: 1, y: 2 }, 'loud', { tools }));\n` +
      `console.log(JSON.stringify(out));\n`,
  );
  assert.equal(r.code, 0, r.stderr);
  const [isLumen, name, kind, code, message, value] = JSON.parse(r.stdout);
  assert.deepEqual([isLumen, name, kind, code], [true, 'LumenError', 'runtime', 'E0913']);
  assert.match(message, /^greet\(\) takes 2 arguments \(p, style\) before the options object, got 1/);
  assert.match(message, /parameter `style` has a default in Lumen but must be passed from JavaScript/);
  assert.equal(value, 'loud 1');
});

test('issue 11 item 2: every error kind rejects with the package LumenError, also from require', async () => {
  const r = await node(
    'errors.cjs',
    `const app = require('${NAME}');\n` +
      `const tools = { 'llm.chat': () => 'x', 'text.shout': ({ text }) => text };\n` +
      `const ctl = new AbortController(); ctl.abort();\n` +
      `const cases = [\n` +
      `  () => app.fail(0, { tools }),\n` +
      `  () => app.area({ Triangle: [1] }, { tools }),\n` +
      `  () => app.loud('hi', { tools: { ...tools, 'text.shout': () => { throw new Error('no voice'); } } }),\n` +
      `  () => app.loud('hi', { tools: { 'llm.chat': tools['llm.chat'] } }),\n` +
      `  () => app.summarize('t', 1, { tools: { ...tools, 'llm.chat': () => 42 } }),\n` +
      `  () => app.loud_twice('hi', { tools }),\n` +
      `  () => app.spin(1000000, { tools, fuel: 1000 }),\n` +
      `  () => app.spin(10, { tools, signal: ctl.signal }),\n` +
      `];\n` +
      `(async () => {\n  const out = [];\n  for (const c of cases) {\n` +
      `    try { await c(); out.push(null); } catch (e) { out.push([e instanceof app.LumenError, e.kind, e.code, e.message]); }\n` +
      `  }\n  console.log(JSON.stringify(out));\n})();\n`,
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const kinds = out.map((e) => e && e.slice(0, 3));
  assert.deepEqual(kinds, [
    [true, 'runtime', 'E0902'],
    [true, 'runtime', 'E0913'],
    [true, 'tool', 'E0906'],
    [true, 'tool', 'E0908'],
    [true, 'tool', 'E0906'],
    [true, 'grant', 'E0907'],
    [true, 'limit', 'E0910'],
    [true, 'cancelled', 'E0915'],
  ]);
  assert.match(out[1][3], /`s: Shape`/);
  assert.match(out[2][3], /no voice/);
  assert.match(out[4][3], /llm\.chat/);
});

test('issue 11 item 1: the package.json mirrors the runtime conditions, types first, and the README names the cells', () => {
  const dir = join(host.dir, 'node_modules', NAME);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'app');
  const dot = pkg.exports['.'];
  assert.deepEqual(Object.keys(dot), [
    'workerd', 'deno', 'node', 'webpack', 'development', 'production', 'browser', 'import', 'require', 'default',
  ]);
  for (const c of ['workerd', 'deno', 'webpack', 'development', 'production', 'browser', 'import', 'default']) {
    assert.equal(Object.keys(dot[c])[0], 'types');
  }
  assert.equal(dot.node.import.default, './index.node.js');
  assert.equal(dot.workerd.default, './index.workerd.js');
  assert.equal(dot.browser.default, './index.inline.js');
  // Each entry imports the runtime entry of its own host.
  const entry = (f) => readFileSync(join(dir, f), 'utf8');
  assert.match(entry('index.node.js'), /from "\.\/runtime\/index\.node\.js"/);
  assert.match(entry('index.workerd.js'), /from "\.\/runtime\/index\.workerd\.js"/);
  assert.match(entry('index.js'), /from "\.\/runtime\/index\.js"/);
  assert.match(entry('index.inline.js'), /from "\.\/runtime\/index\.inline\.js"/);
  assert.match(entry('index.cjs'), /require\("\.\/runtime\/index\.cjs"\)/);
  const readme = entry('README.md');
  assert.match(readme, /`shift\(p: Point, dx: Int\)` → `Point`/);
  assert.match(readme, /`llm\.chat`/);
  assert.match(readme, /`delete_\(n: Int\)` → `Int` \(the cell `delete`\)/);
  assert.match(readme, /import \{ shift, LumenError \} from 'app'/);
});

// tsc over the usage files, their `./app.mjs` / `./app.cjs` imports pointed at the installed
// package (so the BUILT package's declarations are what is checked).
const tsc = (file) => {
  const cts = file.endsWith('.cts');
  const text = readFileSync(join(TYPES, file), 'utf8')
    .replaceAll("'./app.mjs'", `'${NAME}'`)
    .replaceAll("'./app.cjs'", `'${NAME}'`);
  writeFileSync(join(host.dir, file), text);
  return run(
    join(BIN, 'tsc'),
    [
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      cts ? 'nodenext' : 'esnext',
      '--moduleResolution',
      cts ? 'nodenext' : 'bundler',
      '--lib',
      'esnext,dom',
      file,
    ],
    { cwd: host.dir },
  );
};
const errorCodes = (r) => [...r.stdout.matchAll(/error (TS\d+)/g)].map((m) => m[1]);

for (const file of ['ok.ts', 'ok_cjs.cts']) {
  test(`issue 11 item 7: tsc --strict passes ${file} against the built package`, async () => {
    const r = await tsc(file);
    assert.equal(r.code, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  });
}

for (const [file, code] of [
  ['bad_arg.ts', 'TS2345'],
  ['missing_tool.ts', 'TS2741'],
  ['bad_tool_result.ts', 'TS2322'],
]) {
  test(`issue 11 item 7: tsc --strict fails ${file} against the built package with ${code}`, async () => {
    const r = await tsc(file);
    assert.notEqual(r.code, 0, `tsc passed ${file}`);
    assert.deepEqual(errorCodes(r), [code], r.stdout);
  });
}
