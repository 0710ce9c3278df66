// Lumen stack traces in Node.js (issue 14 items 1, 2 and 6): the same errors as native
// `lumen run` (tests/traces), with `LumenError.frames`, a `stack` that shows the Lumen
// frames first, a capped trace for deep recursion, and binary LIR without positions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLumen, assertLumenError, rejection } from '../lib/lumen.mjs';
import { lumenBin } from '../lib/examples.mjs';
import {
  TRACES,
  APP_FRAMES,
  APP_STACK_HEAD,
  appRun,
  deepSource,
  expectedText,
} from '../lib/traces.mjs';

const lumen = loadLumen();

test('issue 14: an error three cells deep and across an import has every frame, as lumen run prints it', async () => {
  const { source, options } = appRun();
  const printed = [];
  const e = await rejection(lumen.run(source, { ...options, onPrint: (l) => printed.push(l) }));
  assertLumenError(lumen, e, { kind: 'runtime', code: 'E0903' });
  assert.deepEqual(printed, ['before']);
  assert.deepEqual(e.frames, APP_FRAMES);
  assert.equal(e.framesOmitted, undefined, 'nothing omitted');
  assert.deepEqual([e.file, e.line, e.column], ['lib/checks.lm', 3, 3]);
  assert.equal(e.rendered, expectedText('app.stderr'));
  // Lumen frames first, then the JavaScript ones (Node prints `stack` for an uncaught error).
  assert.ok(e.stack.startsWith(`${APP_STACK_HEAD}\n    at `), e.stack);
  assert.equal(e.stack.split('index 7 out of range').length, 2, 'one header line');
  // A later run is unaffected.
  assert.equal((await lumen.run('cell main() -> Int\n  2\nend\n')).value, 2);
});

test('issue 14: a recursion-depth error keeps 120 frames and says how many it left out', async () => {
  const e = await rejection(lumen.run(deepSource(), { filename: 'deep.lm' }));
  assertLumenError(lumen, e, { kind: 'limit', code: 'E0909' });
  assert.equal(e.rendered, expectedText('deep.stderr'));
  assert.equal(e.frames.length, 120);
  assert.equal(e.framesOmitted, 10_000 - 120);
  assert.deepEqual(e.frames.at(-1), { cell: 'main', file: 'deep.lm', line: 7, column: 3 });
  assert.ok(e.frames.slice(0, -1).every((f) => f.cell === 'forever' && f.line === 3));
  const lumenLines = e.stack.split('\n').filter((l) => l.includes('deep.lm') || l.includes('more frames'));
  assert.equal(lumenLines.length, 10 + 1 + 3, e.stack);
  assert.ok(e.stack.includes('\n    \u2026 9,987 more frames\n'), e.stack);
});

test('issue 14: binary LIR from lumen emit keeps positions; --strip output runs and names the cells', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-traces-'));
  try {
    const emit = (out, ...flags) =>
      execFileSync(lumenBin(), ['emit', 'app.lm.md', ...flags, '-o', out], { cwd: TRACES });
    emit(join(dir, 'app.lmb'));
    emit(join(dir, 'stripped.lmb'), '--strip');
    const full = await rejection(lumen.run(readFileSync(join(dir, 'app.lmb'))));
    assert.deepEqual(full.frames, APP_FRAMES);
    assert.equal(full.rendered, expectedText('app.stderr'));
    const stripped = await rejection(lumen.run(readFileSync(join(dir, 'stripped.lmb'))));
    assertLumenError(lumen, stripped, { kind: 'runtime', code: 'E0903' });
    assert.deepEqual(
      stripped.frames,
      APP_FRAMES.map((f) => ({ ...f, line: 0, column: 0 })),
    );
    assert.equal(stripped.line, undefined);
    assert.equal(stripped.rendered, expectedText('app.stripped.stderr'));
    assert.ok(stripped.stack.startsWith('LumenError: index 7 out of range for list of length 3\n    at pick (lib/checks.lm)\n'), stripped.stack);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('issue 14: tool, grant and fuel errors carry frames too; compile errors have none', async () => {
  const src = [
    'use tool echo.upper as Shout',
    'grant Shout max_calls 1',
    '',
    'cell twice() -> String',
    '  Shout(text: "a")',
    '  Shout(text: "b")',
    'end',
    '',
    'cell main() -> String',
    '  twice()',
    'end',
    '',
  ].join('\n');
  const tools = { 'echo.upper': ({ text }) => text.toUpperCase() };
  const grant = await rejection(lumen.run(src, { filename: 'g.lm', tools }));
  assertLumenError(lumen, grant, { kind: 'grant', code: 'E0907' });
  assert.deepEqual(
    grant.frames.map((f) => [f.cell, f.line, f.column]),
    [['twice', 6, 3], ['main', 10, 3]],
  );
  const failing = { 'echo.upper': () => { throw new Error('down'); } };
  const tool = await rejection(lumen.run(src, { filename: 'g.lm', tools: failing }));
  assertLumenError(lumen, tool, { kind: 'tool', code: 'E0906' });
  assert.deepEqual(tool.frames.map((f) => [f.cell, f.line]), [['twice', 5], ['main', 10]]);
  const loop = 'cell spin() -> Int\n  let mut n = 0\n  while true\n    n = n + 1\n  end\n  n\nend\n\ncell main() -> Int\n  spin()\nend\n';
  const fuel = await rejection(lumen.run(loop, { filename: 'l.lm', fuel: 10_000 }));
  assertLumenError(lumen, fuel, { kind: 'limit', code: 'E0910' });
  assert.deepEqual(fuel.frames.map((f) => f.cell), ['spin', 'main']);
  const compile = await rejection(lumen.run('cell main() -> Int\n  nope\nend\n'));
  assertLumenError(lumen, compile, { kind: 'compile' });
  assert.equal(compile.frames, undefined);
});
