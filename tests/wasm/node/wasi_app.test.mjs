// A program as a single WASI app (issue 11 item 5): its binary LIR (`lumen emit`) embedded
// into the VM-only WASI runtime (rust/lumen-wasi-app) by lumen-embed, then run as
// `wasmtime run --dir . app.wasm ARGS` and under `node:wasi` with the same folder preopened
// as `.`. Standard output, standard error and the exit status must equal those of
// `lumen run app.lm.md -- ARGS` in that folder, and files the program writes must be the
// same; every conformance program, embedded, gives its `.out` / `.err`. Then the embedder's
// errors (issue 11 item 7): a corrupt runtime, a foreign `.wasm`, an already-embedded app and
// corrupt LIR each give a clear message and write nothing.
//
// Inputs (environment; the tests fail, not skip, when one is missing):
// - LUMEN_BIN: a native `lumen` built from this tree (runs the programs for the expected output
//   and emits the LIR; an older one lowers some programs differently);
// - LUMEN_WASI_APP_RUNTIME: the runtime template, built by
//   `cargo build -p lumen-wasi-app --target wasm32-wasip1 --profile wasm-release`
//   (`<target dir>/wasm32-wasip1/wasm-release/lumen-wasi-app.wasm`; `--release`, debug and
//   binaryen-optimised builds pass too);
// - LUMEN_EMBED: the embedder command, built by `cargo build -p lumen-embed --example embed`
//   (`<target dir>/debug/examples/embed`; usage `embed RUNTIME PROGRAM.lmb OUT.wasm`);
// - WASMTIME (optional): the wasmtime binary, else `wasmtime` on PATH or in ~/.cargo/bin.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { runNodeWasiFile, runProcess, wasmtimePath } from '../lib/wasi.mjs';
import { ROOT } from '../lib/lumen.mjs';

/** The value of the environment variable `name`, which must name an existing file. */
function input(name, how) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: ${how} (see the top of this file)`);
  if (!existsSync(value)) throw new Error(`${name}=${value} does not exist: ${how}`);
  return value;
}
const inputs = () => ({
  lumen: input('LUMEN_BIN', 'a native lumen'),
  runtime: input(
    'LUMEN_WASI_APP_RUNTIME',
    'cargo build -p lumen-wasi-app --target wasm32-wasip1 --release',
  ),
  embed: input('LUMEN_EMBED', 'cargo build -p lumen-embed --example embed'),
});

/** The test programs: file name → source. Each one's inputs are under `files`. */
const PROGRAMS = {
  'greet.lm.md': [
    '# Greeter',
    '',
    '```lumen',
    'cell main(name: String, times: Int, loud: Bool, scale: Float) -> String',
    '  for i in 0..times',
    '    print("hi {name} #{i}, {scale * 2.0}")',
    '  end',
    '  if loud',
    '    return upper(name)',
    '  end',
    '  name',
    'end',
    '```',
    '',
  ].join('\n'),
  'files.lm.md': [
    '# Clean a CSV',
    '',
    '```lumen',
    'use tool fs.read as ReadFile',
    'use tool fs.write as WriteFile',
    'use tool fs.list as ListDir',
    'grant ReadFile path "in"',
    'grant WriteFile path "out"',
    'grant ListDir path "in"',
    '',
    'cell main(src: String, dst: String) -> map[String, Int]',
    '  print(ListDir(path: "in")["entries"])',
    '  let text = ReadFile(path: "in/" ++ src)["text"]',
    '  let mut kept = []',
    '  let mut dropped = 0',
    '  for line in split(trim(text), "\\n")',
    '    let cells = split(line, ",")',
    '    if to_int(cells[1]) == null',
    '      dropped += 1',
    '    else',
    '      kept = append(kept, upper(cells[0]) ++ "," ++ cells[1])',
    '    end',
    '  end',
    '  WriteFile(path: "out/" ++ dst, text: join(kept, "\\n") ++ "\\n")',
    '  {"kept": len(kept), "dropped": dropped}',
    'end',
    '```',
    '',
  ].join('\n'),
  // Writing a file that exists (Wasmtime gave a read-only handle for it: "Invalid argument").
  'overwrite.lm': [
    'use tool fs.write as WriteFile',
    'use tool fs.read as ReadFile',
    'grant WriteFile path "out"',
    'grant ReadFile path "out"',
    '',
    'cell main(text: String) -> String',
    '  WriteFile(path: "out/note.txt", text: "a longer first text")',
    '  WriteFile(path: "out/note.txt", text: text)',
    '  ReadFile(path: "out/note.txt")["text"]',
    'end',
    '',
  ].join('\n'),
  'fails.lm': [
    'cell pick(xs: list[Int], i: Int) -> Int',
    '  xs[i]',
    'end',
    '',
    'cell main(i: Int) -> Int',
    '  print("picking {i}")',
    '  pick([10, 20, 30], i)',
    'end',
    '',
  ].join('\n'),
  'all_args.lm': 'cell main(args: list[String]) -> Int\n  print(args)\n  len(args)\nend\n',
  'no_main.lm': 'cell helper() -> Int\n  1\nend\n',
};

/** The files each run starts with (a fresh copy per host). */
const FILES = {
  'in/people.csv': 'alice,3\nbob,x\ncarol,5\n',
  'in/notes.txt': 'not a csv\n',
  'out/.keep': '',
};

/** [program, args, expected exit status]: the runs every host must match. */
const RUNS = [
  ['greet.lm.md', ['bob', '2', 'true', '1.25'], 0],
  ['greet.lm.md', ['ann lee', '0', 'false', '3'], 0],
  ['greet.lm.md', ['bob', 'two', 'true', '1'], 1], // E0913: not an Int
  ['greet.lm.md', ['bob', '2', 'yes', '1'], 1], // E0913: not a Bool
  ['greet.lm.md', ['bob'], 1], // E0913: arity
  ['files.lm.md', ['people.csv', 'clean.csv'], 0],
  ['files.lm.md', ['../../etc/hostname', 'x.csv'], 1], // E0907: outside the grant
  ['files.lm.md', ['missing.csv', 'x.csv'], 1], // E0906: no such file
  ['overwrite.lm', ['short'], 0],
  ['fails.lm', ['1'], 0],
  ['fails.lm', ['7'], 1], // E0903: index out of range, in `pick`
  ['all_args.lm', ['a', '--b', 'c d'], 0],
  ['all_args.lm', [], 0],
  ['no_main.lm', [], 1], // E0311
];

let work; // scratch folder of this file
let apps; // program → path of its app.wasm

/** A fresh folder holding the programs and FILES. */
function freshDir(name) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries({ ...PROGRAMS, ...FILES })) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** Every file under `dir/out`, path → contents. */
function outputs(dir) {
  const out = join(dir, 'out');
  return Object.fromEntries(
    readdirSync(out)
      .sort()
      .map((f) => [f, readFileSync(join(out, f), 'utf8')]),
  );
}

/** `lumen emit` + the embedder: the app of `program`, built from `src`. */
async function buildApp(src, program) {
  const { lumen, runtime, embed } = inputs();
  const stem = program.split('.')[0];
  const lmb = join(src, `${stem}.lmb`);
  const emit = await runProcess(lumen, ['emit', program, '-o', lmb], src);
  assert.equal(emit.code, 0, `lumen emit ${program}: ${emit.stderr}`);
  const wasm = join(work, 'apps', `${stem}.wasm`);
  const r = await runProcess(embed, [runtime, lmb, wasm], src);
  assert.equal(r.code, 0, `embed ${program}: ${r.stderr}`);
  rmSync(lmb);
  return wasm;
}

/** The three hosts: name → (dir, program, args) → {code, stdout, stderr}. */
const HOSTS = {
  'lumen run': (dir, program, args) =>
    runProcess(inputs().lumen, ['run', program, '--', ...args], dir),
  wasmtime: (dir, program, args) =>
    runProcess(wasmtimePath(), ['run', '--dir', '.', apps[program], ...args], dir, {
      PATH: process.env.PATH,
    }),
  'node:wasi': (dir, program, args) => runNodeWasiFile(apps[program], dir, ['app.wasm', ...args]),
};

describe('issue 11 item 5: a program as a single WASI app', () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lumen-wasi-app-'));
    mkdirSync(join(work, 'apps'));
    const src = freshDir('src');
    apps = {};
    for (const program of Object.keys(PROGRAMS)) apps[program] = await buildApp(src, program);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  RUNS.forEach(([program, args, code], i) => {
    const title = `${program} ${JSON.stringify(args)}`;
    test(`issue 11 item 5: ${title} under Wasmtime and node:wasi equals lumen run`, async () => {
      const results = {};
      for (const [host, run] of Object.entries(HOSTS)) {
        const dir = freshDir(`run${i}-${host.replace(/\W/g, '')}`);
        const r = await run(dir, program, args);
        // The errno in an I/O message is the platform's: 2 natively, 44 under WASI.
        r.stderr = r.stderr.replace(/\(os error \d+\)/g, '(os error N)');
        results[host] = { ...r, files: outputs(dir) };
      }
      const expected = results['lumen run'];
      assert.equal(expected.code, code, `lumen run: ${expected.stderr}`);
      if (code !== 0) assert.match(expected.stderr, /error\[E0\d{3}\]/);
      for (const host of ['wasmtime', 'node:wasi']) {
        assert.deepEqual(results[host], expected, `${host} differs from lumen run`);
      }
    });
  });

  test('issue 11 item 5: the CSV job wrote its cleaned file', async () => {
    const dir = freshDir('csv');
    const r = await HOSTS.wasmtime(dir, 'files.lm.md', ['people.csv', 'clean.csv']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '["notes.txt", "people.csv"]\n{"kept": 2, "dropped": 1}\n');
    assert.equal(readFileSync(join(dir, 'out', 'clean.csv'), 'utf8'), 'ALICE,3\nCAROL,5\n');
  });

  test('issue 11 item 5: the app imports only WASI and exports _start', () => {
    const module = new WebAssembly.Module(readFileSync(apps['greet.lm.md']));
    const imports = WebAssembly.Module.imports(module);
    assert.ok(imports.length > 0);
    for (const i of imports) assert.equal(i.module, 'wasi_snapshot_preview1', JSON.stringify(i));
    assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === '_start'));
  });
});

/**
 * Asserts a run `r` of `file` in `dir` against its `.out` / `.err` (the rules of
 * rust/lumen-cli/tests/conformance.rs, as in wasi.test.mjs).
 */
function assertGolden(dir, file, r) {
  const stem = file.replace(/\.lm(\.md)?$/, '');
  const out = join(dir, `${stem}.out`);
  const err = join(dir, `${stem}.err`);
  if (existsSync(out)) assert.equal(r.stdout, readFileSync(out, 'utf8'));
  if (!existsSync(err)) {
    assert.equal(r.code, 0, r.stderr);
    return;
  }
  assert.equal(r.code, 1, `exit status of ${file}: ${r.stderr}`);
  for (const fragment of readFileSync(err, 'utf8').split('\n')) {
    if (fragment.trim() === '') continue;
    assert.ok(
      r.stderr.includes(fragment.trim()),
      `stderr of ${file} lacks ${fragment}:\n${r.stderr}`,
    );
  }
}

// Every conformance program that compiles, and issue 10's run-time limit programs, as apps:
// the same `.out` / `.err` as `lumen run` gives. (The two memory-heavy programs run under
// Wasmtime only: Node 20's node:wasi corrupts its heap once the guest's memory grows by tens
// of MiB; see wasi.test.mjs.)
const GOLDEN = [
  ...readdirSync(join(ROOT, 'tests', 'conformance'))
    .filter((f) => /\.lm(\.md)?$/.test(f))
    .sort()
    .map((f) => ['conformance', f]),
  ...['deep_value_display.lm', 'err_E0916_deep_to_json.lm', 'range_int_limits.lm',
    'match_nested_exhaustive.lm'].map((f) => ['programs', f]),
];
const NODE_WASI_TOO_BIG = new Set(['deep_value_display.lm']);

describe('issue 11 item 5: the conformance programs as WASI apps', () => {
  let scratch;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'lumen-wasi-golden-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('issue 11 item 5: there are programs', () => assert.ok(GOLDEN.length >= 15));
  for (const [folder, file] of GOLDEN) {
    test(`issue 11 item 5: ${folder}/${file} as an app under Wasmtime and node:wasi`, async () => {
      const { lumen, runtime, embed } = inputs();
      const dir = join(ROOT, 'tests', folder);
      const lmb = join(scratch, `${file}.lmb`);
      const emit = await runProcess(lumen, ['emit', file, '-o', lmb], dir);
      if (emit.code !== 0) {
        // A compile error: there is no program to embed; its `.err` says so.
        assert.ok(existsSync(join(dir, file.replace(/\.lm(\.md)?$/, '.err'))), emit.stderr);
        return;
      }
      const wasm = join(scratch, `${file}.wasm`);
      const r = await runProcess(embed, [runtime, lmb, wasm], dir);
      assert.equal(r.code, 0, r.stderr);
      const run = await runProcess(wasmtimePath(), ['run', '--dir', '.', wasm], dir, {
        PATH: process.env.PATH,
      });
      assertGolden(dir, file, run);
      if (!NODE_WASI_TOO_BIG.has(file)) {
        assertGolden(dir, file, await runNodeWasiFile(wasm, dir, ['app.wasm']));
      }
    });
  }
});

describe('issue 11 item 7: the embedder rejects bad inputs and writes nothing', () => {
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lumen-embed-'));
    const { lumen } = inputs();
    writeFileSync(join(dir, 'ok.lm'), 'cell main() -> Int\n  1\nend\n');
    const emit = await runProcess(lumen, ['emit', 'ok.lm', '-o', 'ok.lmb'], dir);
    assert.equal(emit.code, 0, emit.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the embedder on (runtime bytes, LIR bytes) and checks it failed cleanly. */
  async function rejects(runtime, lir, message) {
    const { embed } = inputs();
    writeFileSync(join(dir, 'runtime.wasm'), runtime);
    writeFileSync(join(dir, 'app.lmb'), lir);
    rmSync(join(dir, 'out.wasm'), { force: true });
    const before = readdirSync(dir).sort();
    const r = await runProcess(embed, ['runtime.wasm', 'app.lmb', 'out.wasm'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`error: ${message}`), r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), before, 'the embedder left a file behind');
  }

  test('issue 11 item 7: a corrupt runtime module', async () => {
    const runtime = readFileSync(inputs().runtime);
    const lir = readFileSync(join(dir, 'ok.lmb'));
    await rejects(runtime.subarray(0, runtime.length >> 1), lir, 'corrupt runtime module: ');
    await rejects(Buffer.from('not wasm'), lir, 'corrupt runtime module: ');
  });

  test('issue 11 item 7: a foreign .wasm is not a Lumen WASI runtime', async () => {
    const lir = readFileSync(join(dir, 'ok.lmb'));
    // An empty core module, and an empty component.
    const emptyModule = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    await rejects(emptyModule, lir, 'not a Lumen WASI runtime: ');
    await rejects(
      Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]),
      lir,
      'not a Lumen WASI runtime: it is a WebAssembly component',
    );
  });

  test('issue 11 item 7: an app cannot be embedded into again', async () => {
    const { runtime, embed } = inputs();
    const r = await runProcess(embed, [runtime, 'ok.lmb', 'once.wasm'], dir);
    assert.equal(r.code, 0, r.stderr);
    const once = readFileSync(join(dir, 'once.wasm'));
    rmSync(join(dir, 'once.wasm'));
    await rejects(once, readFileSync(join(dir, 'ok.lmb')), 'not a Lumen WASI runtime: ');
  });

  test('issue 11 item 7: corrupt LIR', async () => {
    const runtime = readFileSync(inputs().runtime);
    const lir = readFileSync(join(dir, 'ok.lmb'));
    await rejects(runtime, lir.subarray(0, lir.length - 4), 'corrupt program: ');
    await rejects(runtime, Buffer.from('cell main()\n  1\nend\n'), 'corrupt program: ');
  });
});
