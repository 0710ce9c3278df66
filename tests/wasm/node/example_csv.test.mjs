// examples/csv_clean (issue 11 item 8b): the CSV cleaning job built as one WASI app
// (`buildWasiApp`, tests/wasm/lib/examples.mjs) and run in a temporary copy of the example
// folder by `wasmtime run --dir . clean.wasm data/contacts.csv out/contacts.clean.csv` and
// under `node:wasi` with the same folder preopened: the cleaned file, the printed report
// and the exit status equal those of `lumen run clean.lm.md -- ...` in a copy of its own.
// Then the sandbox and the policy: without the preopen the job can open nothing, and a
// path outside a grant is E0907; neither writes a file.
//
// Environment: LUMEN_BIN (required; runs the job natively and builds the app with `lumen
// build`), WASMTIME (optional).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from '../lib/lumen.mjs';
import { buildWasiApp, lumenBin } from '../lib/examples.mjs';
import { runNodeWasiFile, runProcess, wasmtimePath } from '../lib/wasi.mjs';

const EXAMPLE = join(ROOT, 'examples', 'csv_clean');
const ARGS = ['data/contacts.csv', 'out/contacts.clean.csv'];

/** What the example's README shows the job printing and writing. */
const REPORT = [
  'line 4: dropped, missing name',
  "line 5: dropped, bad email 'alan@bletchley'",
  'line 6: dropped, duplicate of grace@navy.mil',
  "line 7: dropped, age 'seventy' is not a number",
  'kept 3 of 7 rows -> out/contacts.clean.csv',
  '3',
  '',
].join('\n');
const CLEANED = [
  'name,email,age,city',
  'Ada Lovelace,ada@example.com,36,London',
  'Grace Hopper,grace@navy.mil,85,New York',
  'Barbara Liskov,barbara@mit.edu,84,Boston',
  '',
].join('\n');

let work;
let app;
let copies = 0;

/** A fresh copy of the example folder with an empty `out/`. */
function freshCopy() {
  const dir = join(work, `copy${copies++}`);
  cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (src) => !src.startsWith(join(EXAMPLE, 'out') + '/') || src.endsWith('.gitignore'),
  });
  return dir;
}

/** Every file of `dir/out` except the folder's `.gitignore`, name → contents. */
function written(dir) {
  const out = join(dir, 'out');
  return Object.fromEntries(
    readdirSync(out)
      .filter((f) => f !== '.gitignore')
      .sort()
      .map((f) => [f, readFileSync(join(out, f), 'utf8')]),
  );
}

/** The files of `dir/data`, names only. */
const dataFiles = (dir) => readdirSync(join(dir, 'data')).sort();

const wasmtime = (dir, args, preopen = true) =>
  runProcess(wasmtimePath(), ['run', ...(preopen ? ['--dir', '.'] : []), app, ...args], dir, {
    PATH: process.env.PATH,
  });
const native = (dir, args) => runProcess(lumenBin(), ['run', 'clean.lm.md', '--', ...args], dir);

/** The errno in an I/O message is the platform's: 2 natively, 44 under WASI. */
const normalise = (r) => ({ ...r, stderr: r.stderr.replace(/\(os error \d+\)/g, '(os error N)') });

describe('issue 11 item 8: examples/csv_clean as a WASI app', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lumen-example-csv-'));
    app = buildWasiApp(join(EXAMPLE, 'clean.lm.md'), join(work, 'app'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('issue 11 item 8: wasmtime run --dir . cleans the CSV exactly as lumen run does', async () => {
    const expectedDir = freshCopy();
    const expected = await native(expectedDir, ARGS);
    assert.equal(expected.code, 0, expected.stderr);
    assert.equal(expected.stdout, REPORT);
    assert.equal(expected.stderr, '');
    assert.deepEqual(written(expectedDir), { 'contacts.clean.csv': CLEANED });

    const dir = freshCopy();
    const r = await wasmtime(dir, ARGS);
    assert.deepEqual(r, expected, 'wasmtime differs from lumen run');
    assert.deepEqual(written(dir), written(expectedDir));
    assert.deepEqual(dataFiles(dir), ['contacts.csv'], 'the input is left alone');
  });

  test('issue 11 item 8: node:wasi runs the same app with the same result', async () => {
    const dir = freshCopy();
    const r = await runNodeWasiFile(app, dir, ['clean.wasm', ...ARGS]);
    assert.deepEqual(r, { code: 0, stdout: REPORT, stderr: '' });
    assert.deepEqual(written(dir), { 'contacts.clean.csv': CLEANED });
  });

  test('issue 11 item 8: without the --dir preopen the job can open nothing and writes nothing', async () => {
    const dir = freshCopy();
    const r = normalise(await wasmtime(dir, ARGS, false));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    // No preopened directory: the granted folder `data` does not exist in the sandbox.
    assert.match(r.stderr, /^error\[E0906\]: tool ReadFile \(fs\.read\): cannot open the granted directory `\/?data`/);
    assert.match(r.stderr, /clean\.lm\.md:\d+:\d+ \(in main\)/);
    assert.deepEqual(written(dir), {});
  });

  test('issue 11 item 8: an empty input stops with the program error (E0905) and writes nothing', async () => {
    const args = ['data/empty.csv', 'out/contacts.clean.csv'];
    const expectedDir = freshCopy();
    writeFileSync(join(expectedDir, 'data', 'empty.csv'), '\n\n');
    const expected = await native(expectedDir, args);
    const dir = freshCopy();
    writeFileSync(join(dir, 'data', 'empty.csv'), '\n\n');
    const r = await wasmtime(dir, args);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.startsWith('error[E0905]: data/empty.csv is empty: expected a header line'), r.stderr);
    assert.deepEqual(r, expected, 'wasmtime differs from lumen run');
    assert.deepEqual(written(dir), {});
  });

  for (const [what, args, tool, path, allowed] of [
    ['writing into data/', ['data/contacts.csv', 'data/contacts.clean.csv'], 'WriteFile (fs.write)', 'data/contacts.clean.csv', 'out'],
    ['writing above the folder', ['data/contacts.csv', '../contacts.clean.csv'], 'WriteFile (fs.write)', '../contacts.clean.csv', 'out'],
    ['reading the program itself', ['clean.lm.md', 'out/contacts.clean.csv'], 'ReadFile (fs.read)', 'clean.lm.md', 'data'],
  ]) {
    test(`issue 11 item 8: ${what} is a grant error (E0907) and writes nothing, as under lumen run`, async () => {
      const expectedDir = freshCopy();
      const expected = normalise(await native(expectedDir, args));
      const dir = freshCopy();
      const r = normalise(await wasmtime(dir, args));
      assert.equal(r.code, 1, r.stderr);
      assert.ok(
        r.stderr.startsWith(`error[E0907]: tool ${tool}: grant path denies \`${path}\` (allowed: ${allowed})`),
        r.stderr,
      );
      assert.deepEqual(r, expected, 'wasmtime differs from lumen run');
      assert.deepEqual(written(dir), {});
      assert.deepEqual(dataFiles(dir), ['contacts.csv']);
      assert.deepEqual(readdirSync(work).filter((f) => f.endsWith('.csv')), [], 'nothing above the folder');
    });
  }
});
