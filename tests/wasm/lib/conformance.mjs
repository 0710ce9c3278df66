// The conformance programs of tests/conformance/ as the command-line hosts run them
// (`lumen run NAME.lm[.md]` with the folder preopened as `.`: node:wasi and Wasmtime in
// node/wasi.test.mjs, the jco-transpiled component in node/jco.test.mjs), and the rules
// their results are judged by (rust/lumen-cli/tests/conformance.rs):
// - NAME.out: standard output equals it exactly (exit status 0 unless there is a NAME.err);
// - NAME.err: exit status 1 and standard error holds every non-empty line of it.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lumen.mjs';

/** `NAME` of `NAME.lm` / `NAME.lm.md`, else null. */
export function stem(file) {
  if (file.endsWith('.lm.md')) return file.slice(0, -'.lm.md'.length);
  if (file.endsWith('.lm')) return file.slice(0, -'.lm'.length);
  return null;
}

/** tests/conformance/. */
export const CONFORMANCE_DIR = join(ROOT, 'tests', 'conformance');

/** Every program file of tests/conformance/, sorted (helper modules included). */
export const CONFORMANCE_FILES = readdirSync(CONFORMANCE_DIR)
  .filter((f) => stem(f) !== null)
  .sort();

/** The programs of tests/conformance/ that have a `.out` or `.err` (the ones to run). */
export const CONFORMANCE_PROGRAMS = CONFORMANCE_FILES.filter(
  (f) =>
    existsSync(join(CONFORMANCE_DIR, `${stem(f)}.out`)) ||
    existsSync(join(CONFORMANCE_DIR, `${stem(f)}.err`)),
);

/**
 * Asserts what `lumen run` of `file` in `dir` gave (`r`: `{code, stdout, stderr}`) against
 * its `.out` / `.err`.
 */
export function assertExpected(dir, file, r) {
  const name = stem(file);
  const out = join(dir, `${name}.out`);
  const errFile = join(dir, `${name}.err`);
  if (existsSync(out)) assert.equal(r.stdout, readFileSync(out, 'utf8'));
  if (existsSync(errFile)) {
    assert.equal(r.code, 1, `exit status of ${file}: ${r.stderr}`);
    for (const fragment of readFileSync(errFile, 'utf8').split('\n')) {
      if (fragment.trim() === '') continue;
      assert.ok(
        r.stderr.includes(fragment.trim()),
        `stderr of ${file} lacks ${JSON.stringify(fragment)}:\n${r.stderr}`,
      );
    }
  } else {
    assert.equal(r.code, 0, r.stderr);
  }
}
