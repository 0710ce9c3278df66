// Issue 11 item 2: publint and @arethetypeswrong/cli on the packed package report no
// error, no warning and no suggestion (the test prints what they said when they do).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { pack, run, PKG } from './pack.mjs';

test('issue 11 item 2: publint reports nothing on the package', async () => {
  const r = await run('publint', ['run', PKG, '--level', 'suggestion', '--strict']);
  const said = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, said);
  assert.doesNotMatch(said, /Errors?:|Warnings?:|Suggestions?:/, said);
  assert.match(said, /All good/, said);
});

test('issue 11 item 2: attw --pack finds no problem in any resolution mode', async () => {
  const { dir, tarball } = pack();
  try {
    const r = await run('attw', [tarball, '--format', 'json']);
    const said = `${r.stdout}\n${r.stderr}`;
    let report;
    try {
      report = JSON.parse(r.stdout);
    } catch {
      assert.fail(`attw printed no JSON: ${said}`);
    }
    const problems = report.analysis?.problems ?? report.problems ?? [];
    assert.deepEqual(problems, [], JSON.stringify(problems, null, 2));
    assert.equal(r.code, 0, said);
    // Every entry point resolves in every mode.
    const entrypoints = report.analysis?.entrypoints ?? {};
    assert.ok(Object.keys(entrypoints).includes('.'), JSON.stringify(Object.keys(entrypoints)));
    const human = await run('attw', [tarball]);
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.match(human.stdout, /No problems found/, human.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
