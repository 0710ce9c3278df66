// Issue 11 items 2 and 7: publint and @arethetypeswrong/cli on the packed PROGRAM package
// (program.mjs) report no error, no warning and no suggestion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { pack, run, PROGRAM_PKG } from './program.mjs';

test('issue 11 item 7: publint reports nothing on the program package', async () => {
  const r = await run('publint', ['run', PROGRAM_PKG, '--level', 'suggestion', '--strict']);
  const said = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, said);
  assert.doesNotMatch(said, /Errors?:|Warnings?:|Suggestions?:/, said);
  assert.match(said, /All good/, said);
});

test('issue 11 item 7: attw --pack finds no problem in the program package in any resolution mode', async () => {
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
    const human = await run('attw', [tarball]);
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.match(human.stdout, /No problems found/, human.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
