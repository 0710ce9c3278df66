// Shared by the program-package tests (issue 11 items 1, 2 and 7): the test program
// tests/wasm/types/app.lm.md (records, enums, results, lists, maps, optionals, a typed and
// an untyped tool) built as ONE npm package by `lumen build --target wasm app.lm.md`, packed
// and installed from its tarball like any package (pack.mjs does that part).
//
// The package folder is $LUMEN_PROGRAM_PKG, default pkg-program/ at the repository root,
// written by:
//   lumen build --target wasm tests/wasm/types/app.lm.md --out-dir pkg-program
// (a missing package fails the test with that command).

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { ROOT } from '../lib/lumen.mjs';

/** The built program package. */
export const PROGRAM_PKG = process.env.LUMEN_PROGRAM_PKG
  ? resolve(process.env.LUMEN_PROGRAM_PKG)
  : join(ROOT, 'pkg-program');

/** The test program and its TypeScript usage files. */
export const TYPES = join(ROOT, 'tests', 'wasm', 'types');
export const PROGRAM = join(TYPES, 'app.lm.md');

if (!existsSync(join(PROGRAM_PKG, 'package.json'))) {
  throw new Error(
    `${PROGRAM_PKG}/package.json is missing: build the program package with ` +
      `\`lumen build --target wasm ${PROGRAM} --out-dir ${PROGRAM_PKG}\` (or set LUMEN_PROGRAM_PKG)`,
  );
}

// pack.mjs packs $LUMEN_PKG: point it at the program package before loading it.
process.env.LUMEN_PKG = PROGRAM_PKG;
export const { project, pack, run, freePort, BIN } = await import('./pack.mjs');

/** The program package's name (`app`, from the file stem). */
export const NAME = JSON.parse(readFileSync(join(PROGRAM_PKG, 'package.json'), 'utf8')).name;

/**
 * The body of a module that calls the program's cells through `app` (the imported package
 * namespace) with typed arguments and JS tools, and returns a JSON-able summary; the same
 * text runs in every host.
 */
export const PROBE = `
async function probe(app) {
  const printed = [];
  const calls = [];
  const tools = {
    'llm.chat': ({ prompt, max_tokens }) => { calls.push([prompt, max_tokens]); return 'chat ' + max_tokens; },
    'text.shout': ({ text }) => String(text).toUpperCase() + '!',
  };
  const moved = await app.shift({ x: 1, y: 2.5 }, 3, { tools, onPrint: (l) => printed.push(l) });
  const area = await app.area({ Square: [2] }, { tools });
  const shapes = await app.shapes(2, { tools });
  const divided = [await app.divide(7, 2, { tools }), await app.divide(7, 0, { tools })];
  const total = await app.total([1, 2], { a: 0.5 }, null, { tools });
  const summary = await app.summarize('some text', 3, { tools });
  const big = String(await app.big(9007199255n, { tools }));
  const errors = [];
  for (const call of [
    () => app.fail(0, { tools }),
    () => app.shift({ x: 1, y: 2 }, 'ten', { tools }),
    () => app.loud('hi', { tools: { 'llm.chat': tools['llm.chat'] } }),
    () => app.spin(1000000, { tools, fuel: 1000 }),
  ]) {
    try {
      await call();
      errors.push(null);
    } catch (e) {
      errors.push({ lumen: e instanceof app.LumenError, kind: e.kind, code: e.code });
    }
  }
  return { moved, area, shapes, divided, total, summary, big, printed, calls, errors };
}
`;

/** Asserts the summary PROBE returns. */
export function assertProbe(s) {
  assert.deepEqual(s.moved, { x: 4, y: 2.5 });
  assert.equal(s.area, 4);
  assert.deepEqual(s.shapes, [{ Circle: { radius: 2 } }, { Square: [2] }, 'Empty']);
  assert.deepEqual(s.divided, [{ ok: 3 }, { err: 'division by zero' }]);
  assert.equal(s.total, 'total: 3.5');
  assert.equal(s.summary, 'chat 16');
  assert.equal(s.big, '9007199255000000000');
  assert.deepEqual(s.printed, ['shifting by 3']);
  assert.deepEqual(s.calls, [['summarize in 3 words: some text', 16]]);
  assert.deepEqual(s.errors, [
    { lumen: true, kind: 'runtime', code: 'E0902' },
    { lumen: true, kind: 'runtime', code: 'E0913' },
    { lumen: true, kind: 'tool', code: 'E0908' },
    { lumen: true, kind: 'limit', code: 'E0910' },
  ]);
}
