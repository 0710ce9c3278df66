// The lint checks of a packed npm package, shared by lint.test.mjs (the runtime package) and
// program_lint.test.mjs (a program package): publint and @arethetypeswrong/cli report no
// error, no warning and no suggestion (the assertion prints what they said when they do).

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';

/** publint on the package folder `pkg` says "All good" and nothing else. */
export async function assertPublintClean(run, pkg) {
  const r = await run('publint', ['run', pkg, '--level', 'suggestion', '--strict']);
  const said = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, said);
  assert.doesNotMatch(said, /Errors?:|Warnings?:|Suggestions?:/, said);
  assert.match(said, /All good/, said);
}

/**
 * attw on the tarball `pack()` makes finds no problem in any resolution mode, and the `.`
 * entry point is among those it resolved.
 */
export async function assertAttwClean(run, pack) {
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
    const entrypoints = report.analysis?.entrypoints ?? {};
    assert.ok(Object.keys(entrypoints).includes('.'), JSON.stringify(Object.keys(entrypoints)));
    const human = await run('attw', [tarball]);
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.match(human.stdout, /No problems found/, human.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
