// The WASI command module (`lumen build --target wasm --wasm-target wasi`, pkg-wasi/lumen.wasm)
// under Node's `node:wasi` and under Wasmtime (`wasmtime run --dir .`): every program of tests/conformance/ runs as
// `lumen run NAME.lm[.md]` with the program's folder preopened as `.`, and must give what the
// native `lumen run` gives (rules of rust/lumen-cli/tests/conformance.rs):
// - NAME.out: standard output equals it exactly (exit status 0 unless there is a NAME.err);
// - NAME.err: exit status 1 and standard error holds every non-empty line of it.
// Then `lumen check`, `--version` and usage and I/O errors.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  readFileSync,
  existsSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  symlinkSync,
  copyFileSync,
} from 'node:fs';
import { Worker } from 'node:worker_threads';
import { serve } from '../lib/server.mjs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from '../lib/lumen.mjs';
import { runNodeWasi, runWasmtime, runProcess } from '../lib/wasi.mjs';
import {
  stem,
  assertExpected,
  CONFORMANCE_DIR,
  CONFORMANCE_FILES,
} from '../lib/conformance.mjs';

/** The hosts every WASI test runs under. */
const HOSTS = [
  ['node:wasi', runNodeWasi],
  ['wasmtime', runWasmtime],
];

const dir = CONFORMANCE_DIR;
const programs = CONFORMANCE_FILES;

for (const [host, lumen] of HOSTS) {
describe(`conformance programs under ${host}`, () => {
  test('there are programs', () => assert.ok(programs.length >= 10, programs.join(' ')));
  for (const file of programs) {
    const name = stem(file);
    const out = join(dir, `${name}.out`);
    const errFile = join(dir, `${name}.err`);
    if (!existsSync(out) && !existsSync(errFile)) continue;
    test(file, async () => {
      assertExpected(dir, file, await lumen(dir, ['run', file]));
    });
  }
});

// Issue 10's compiler and VM regression programs (deep chains, deep values, the memory
// cap on operators, ranges ending at Int max, nested exhaustiveness): the same limits and
// results in the WASI build as natively, where the wasm stack is smaller.
const ISSUE10_DIR = join(ROOT, 'tests', 'programs');
const ISSUE10_PROGRAMS = [
  'err_E0103_too_deep.lm',
  'deep_value_display.lm',
  'err_E0914_string_doubling.lm',
  'err_E0916_deep_to_json.lm',
  'range_int_limits.lm',
  'match_nested_exhaustive.lm',
];
// Node 20's node:wasi corrupts V8's heap once the guest's memory has grown by a few tens of
// MiB (reproduced with a plain 32 MiB string doubling: Node aborts with a V8 fatal error
// after `wasi.start` returns; after the 200,000-level deep value program a later test in
// the same process dies with SIGSEGV about one run in four), while Wasmtime runs the same
// module to the expected results. These two memory-heavy programs therefore run under
// Wasmtime only; this is a Node defect, not a Lumen one, and is listed here rather than
// skipped silently.
const NODE_WASI_TOO_BIG = new Set(['err_E0914_string_doubling.lm', 'deep_value_display.lm']);
describe(`issue 10 regression programs under ${host}`, () => {
  for (const file of ISSUE10_PROGRAMS) {
    if (host === 'node:wasi' && NODE_WASI_TOO_BIG.has(file)) continue;
    test(`issue 10: ${file}`, async () => {
      assert.ok(existsSync(join(ISSUE10_DIR, file)), `${file} is missing`);
      assertExpected(ISSUE10_DIR, file, await lumen(ISSUE10_DIR, ['run', file]));
    });
  }
});

describe(`lumen check and usage under ${host}`, () => {
  test('check accepts a good program and exits 0', async () => {
    const good = programs.find((f) => existsSync(join(dir, `${stem(f)}.out`)));
    const r = await lumen(dir, ['check', good]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /checked 1 file/);
  });

  test('a file outside the preopened directory is an I/O error (exit 2)', async () => {
    const r = await lumen(dir, ['run', '/etc/hostname']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: /);
  });

  test('a bad flag is a usage error (exit 2)', async () => {
    const r = await lumen(dir, ['run', '--no-such-flag']);
    assert.equal(r.code, 2);
  });

  test('--version prints the version', async () => {
    const r = await lumen(dir, ['--version']);
    assert.equal(r.code, 0);
    const version = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8').match(
      /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/,
    )[1];
    assert.equal(r.stdout.trim(), `lumen ${version}`);
  });
});

describe(`tools under ${host}`, () => {
  /** A scratch folder with `data/x.json`, a program per test, preopened as `.`. */
  function scratch(programs) {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-wasi-tools-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'x.json'), '{"a": 1}');
    for (const [name, text] of Object.entries(programs)) writeFileSync(join(dir, name), text);
    return dir;
  }
  const header = 'use tool fs.read as Read\ngrant Read path "data"\n\n';

  test('fs.read reads inside the preopened directory and a granted path', async () => {
    const dir = scratch({
      'ok.lm': header + 'cell main() -> String\n  return Read(path: "data/x.json")["text"]\nend\n',
    });
    const r = await lumen(dir, ['run', 'ok.lm']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '{"a": 1}\n');
    rmSync(dir, { recursive: true, force: true });
  });

  test('fs.read outside the grant is E0907, outside the preopen an error, never a read', async () => {
    const dir = scratch({
      'up.lm': header + 'cell main() -> String\n  return Read(path: "data/../../etc/hostname")["text"]\nend\n',
      'abs.lm':
        'use tool fs.read as Read\ngrant Read path "/etc"\n\n' +
        'cell main() -> String\n  return Read(path: "/etc/hostname")["text"]\nend\n',
    });
    const up = await lumen(dir, ['run', 'up.lm']);
    assert.equal(up.code, 1);
    assert.match(up.stderr, /error\[E0907\]: tool Read \(fs\.read\): grant path denies/);
    // Granted, but /etc is not preopened: WASI refuses, the program gets a tool error.
    const abs = await lumen(dir, ['run', 'abs.lm']);
    assert.equal(abs.code, 1);
    assert.match(abs.stderr, /error\[E090[67]\]/);
    assert.equal(abs.stdout, '');
    rmSync(dir, { recursive: true, force: true });
  });

  test('issue 12: an absolute path is checked against a relative grant as natively: E0907, the same message', async () => {
    // WASI has no working directory of its own (wasi-libc says `/`): a relative grant must
    // not cover every absolute path there, as it does not natively (the working directory
    // is not `/`). Both hosts deny before the provider runs, with the same text.
    const bin = process.env.LUMEN_BIN;
    assert.ok(bin, 'LUMEN_BIN (a native lumen) is needed: cargo xtask test-wasm sets it');
    const dir = scratch({
      'dot.lm':
        'use tool fs.read as Read\ngrant Read path "."\n\n' +
        'cell main() -> String\n  return Read(path: "/etc/hostname")["text"]\nend\n',
      'data.lm': header + 'cell main() -> String\n  return Read(path: "/data/x.json")["text"]\nend\n',
    });
    for (const [file, denied, allowed] of [
      ['dot.lm', '/etc/hostname', '.'],
      ['data.lm', '/data/x.json', 'data'],
    ]) {
      const wasi = await lumen(dir, ['run', file]);
      const native = await runProcess(bin, ['run', file], dir);
      assert.equal(wasi.code, 1, wasi.stderr);
      assert.equal(native.code, 1, native.stderr);
      const line = `error[E0907]: tool Read (fs.read): grant path denies \`${denied}\` (allowed: ${allowed})`;
      assert.equal(wasi.stderr.split('\n')[0], line);
      assert.equal(native.stderr.split('\n')[0], line);
      assert.equal(wasi.stdout, '');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('a symbolic link out of the preopened directory is not followed', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'lumen-wasi-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'SECRET');
    const dir = scratch({
      'link.lm': header + 'cell main() -> String\n  return Read(path: "data/link")["text"]\nend\n',
    });
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'data', 'link'));
    const r = await lumen(dir, ['run', 'link.lm']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout.includes('SECRET'), false);
    assert.match(r.stderr, /error\[E090[67]\]: tool Read \(fs\.read\)/);
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('env.get (with a name grant) and time.now work; http.get says HTTP is not available', async () => {
    const dir = scratch({
      'misc.lm':
        'use tool env.get as Env\nuse tool time.now as Now\nuse tool http.get as Fetch\n' +
        'grant Env name "NOT_SET_*"\n' +
        'grant Fetch domain "example.com"\n\ncell main() -> String\n' +
        '  print(Env(name: "NOT_SET_HERE"))\n  print(Now()["unix_ms"] > 0)\n' +
        '  return Fetch(url: "http://example.com/")["body"]\nend\n',
    });
    const r = await lumen(dir, ['run', 'misc.lm']);
    assert.equal(r.stdout, 'null\ntrue\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E0906.*HTTP is not available in this build of lumen/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('issue 10 item 11: env.get without a name grant, or of another name, is E0907', async () => {
    const dir = scratch({
      'none.lm': 'use tool env.get as Env\n\ncell main()\n  print(Env(name: "HOME"))\nend\n',
      'other.lm':
        'use tool env.get as Env\ngrant Env name "LUMEN_*"\n\n' +
        'cell main()\n  print(Env(name: "HOME"))\nend\n',
    });
    const none = await lumen(dir, ['run', 'none.lm']);
    assert.equal(none.code, 1, none.stderr);
    assert.equal(none.stdout, '');
    assert.match(
      none.stderr,
      /error\[E0907\]: tool Env \(env\.get\): this tool requires a `name` grant/,
    );
    assert.match(none.stderr, /none\.lm:4/);
    const other = await lumen(dir, ['run', 'other.lm']);
    assert.equal(other.code, 1, other.stderr);
    assert.match(
      other.stderr,
      /error\[E0907\]: tool Env \(env\.get\): grant name denies `HOME` \(allowed: LUMEN_\*\)/,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A scratch folder (preopened as `.`) with the granted `data/`, and `secret.txt` and
   * `other/secret.txt` ("SECRET") inside the preopen but outside the grant: only Lumen's
   * own confinement stands between the program and them.
   */
  function confined(programs) {
    const dir = scratch(programs);
    writeFileSync(join(dir, 'secret.txt'), 'SECRET');
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'secret.txt'), 'SECRET');
    return dir;
  }
  const writer = 'use tool fs.write as Write\ngrant Write path "data"\n\n';
  const lister = 'use tool fs.list as List\ngrant List path "data"\n\n';

  test('issue 10 item 9: fs.write through a dangling symlink out of the grant is E0907', async () => {
    const dir = confined({
      'w.lm': writer + 'cell main()\n  Write(path: "data/link", text: "pwned")\nend\n',
    });
    symlinkSync('../outside.txt', join(dir, 'data', 'link'));
    const r = await lumen(dir, ['run', 'w.lm']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /error\[E0907\]: tool Write \(fs\.write\): grant path denies `data\/link`: a symbolic link leads above the granted directory/,
    );
    assert.equal(existsSync(join(dir, 'outside.txt')), false, 'created outside the grant');
    rmSync(dir, { recursive: true, force: true });
  });

  test('issue 10 item 9: a symlinked parent directory, `..` via a symlink, an absolute symlink are E0907', async () => {
    const dir = confined({
      'parent.lm': header + 'cell main() -> String\n  return Read(path: "data/sub/secret.txt")["text"]\nend\n',
      'up.lm': header + 'cell main() -> String\n  return Read(path: "data/up/secret.txt")["text"]\nend\n',
      'list.lm': lister + 'cell main()\n  print(List(path: "data/sub"))\nend\n',
      'write.lm': writer + 'cell main()\n  Write(path: "data/sub/new.txt", text: "x")\nend\n',
    });
    symlinkSync('../other', join(dir, 'data', 'sub'));
    symlinkSync('..', join(dir, 'data', 'up'));
    for (const [file, tool] of [
      ['parent.lm', 'Read \\(fs\\.read'],
      ['up.lm', 'Read \\(fs\\.read'],
      ['list.lm', 'List \\(fs\\.list'],
      ['write.lm', 'Write \\(fs\\.write'],
    ]) {
      const r = await lumen(dir, ['run', file]);
      assert.equal(r.code, 1, `${file}: ${r.stdout}${r.stderr}`);
      assert.equal((r.stdout + r.stderr).includes('SECRET'), false, file);
      assert.match(
        r.stderr,
        new RegExp(`error\\[E0907\\]: tool ${tool}\\): grant path denies .*leads above the granted directory`),
        file,
      );
    }
    assert.equal(existsSync(join(dir, 'other', 'new.txt')), false);
    rmSync(dir, { recursive: true, force: true });
  });

  test('issue 10 item 9: symbolic links that stay inside the grant keep working', async () => {
    const dir = confined({
      'in.lm':
        header + lister.replace('\n\n', '\n') + writer.replace('\n\n', '\n') +
        'cell main()\n  print(Read(path: "data/alias")["text"])\n' +
        '  print(List(path: "data/d")["entries"])\n' +
        '  Write(path: "data/later", text: "made")\nend\n',
    });
    mkdirSync(join(dir, 'data', 'dir'));
    writeFileSync(join(dir, 'data', 'dir', 'f.txt'), 'inside');
    symlinkSync('dir/f.txt', join(dir, 'data', 'alias'));
    symlinkSync('dir', join(dir, 'data', 'd'));
    symlinkSync('dir/new.txt', join(dir, 'data', 'later'));
    const r = await lumen(dir, ['run', 'in.lm']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'inside\n["f.txt"]\n{"bytes": 4}\n');
    assert.equal(readFileSync(join(dir, 'data', 'dir', 'new.txt'), 'utf8'), 'made');
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts a worker thread that keeps swapping `data/NAME` between a file and a symbolic
   * link to ../secret.txt (a link for an instant, then a file for a millisecond, so many
   * calls pass a check); resolves `stop()` when it has stopped.
   */
  function swapper(dir, name) {
    const stopBuffer = new SharedArrayBuffer(4);
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const fs = require('node:fs');
       const path = require('node:path');
       const { dir, name, stop } = workerData;
       const flag = new Int32Array(stop);
       const target = path.join(dir, 'data', name);
       const link = path.join(dir, 'data', '.l');
       const plain = path.join(dir, 'data', '.p');
       while (Atomics.load(flag, 0) === 0) {
         try {
           fs.rmSync(link, { force: true });
           fs.symlinkSync('../secret.txt', link);
           fs.writeFileSync(plain, 'public');
           fs.renameSync(link, target);
           fs.renameSync(plain, target);
         } catch {}
         const until = Date.now() + 1;
         while (Date.now() < until) {}
       }`,
      { eval: true, workerData: { dir, name, stop: stopBuffer } },
    );
    return async () => {
      Atomics.store(new Int32Array(stopBuffer), 0, 1);
      await new Promise((done) => worker.once('exit', done));
    };
  }

  test('issue 10 item 10: swapping a file and a symlink to a secret never leaks it', async () => {
    // Each run reads `data/race` until a read is denied (a tool error ends the program).
    const dir = confined({
      'race.lm':
        header + 'cell main()\n  for i in 0..2000\n    print(Read(path: "data/race")["text"])\n  end\nend\n',
    });
    writeFileSync(join(dir, 'data', 'race'), 'public');
    const stop = swapper(dir, 'race');
    try {
      // The check-then-open code this replaced leaked in about 1 run in 10 here.
      for (let run = 0; run < 60; run++) {
        const r = await lumen(dir, ['run', 'race.lm']);
        assert.equal(r.stdout.includes('SECRET'), false, `run ${run} leaked the secret`);
        assert.equal(r.stderr.includes('SECRET'), false, r.stderr);
        if (r.code !== 0) assert.match(r.stderr, /error\[E090[67]\]: tool Read/);
      }
    } finally {
      await stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('issue 10 item 10: swapping a file and a symlink never lets fs.write reach the secret', async () => {
    const dir = confined({
      'w.lm': writer + 'cell main()\n  for i in 0..2000\n    Write(path: "data/w", text: "PWNED")\n  end\nend\n',
    });
    writeFileSync(join(dir, 'data', 'w'), 'public');
    const stop = swapper(dir, 'w');
    try {
      for (let run = 0; run < 30; run++) {
        const r = await lumen(dir, ['run', 'w.lm']);
        if (r.code !== 0) assert.match(r.stderr, /error\[E090[67]\]: tool Write/);
        assert.equal(readFileSync(join(dir, 'secret.txt'), 'utf8'), 'SECRET', `run ${run}`);
      }
    } finally {
      await stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
}

describe('HTTP through wasi:http (wasm32-wasip2 component, wasmtime run -S http)', () => {
  test('examples/wasm_wasi_http.lm.md reads a file, fetches over HTTP, writes a file', async () => {
    const server = await serve(join(ROOT, 'examples', 'data'));
    const dir = mkdtempSync(join(tmpdir(), 'lumen-wasi-http-'));
    try {
      mkdirSync(join(dir, 'wasi_data'));
      copyFileSync(join(ROOT, 'examples', 'wasm_wasi_http.lm.md'), join(dir, 'app.lm.md'));
      copyFileSync(
        join(ROOT, 'examples', 'wasi_data', 'cities.json'),
        join(dir, 'wasi_data', 'cities.json'),
      );
      const expected = 'Oslo: 4.5 C, overcast\nLima: 19.5 C, clear\n';
      const r = await runWasmtime(dir, ['run', 'app.lm.md', '--', `${server.origin}/`], {
        http: true,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${expected}2\n`);
      assert.equal(readFileSync(join(dir, 'wasi_data', 'summary.txt'), 'utf8'), expected);
      const served = server.requests.map((q) => q.path).sort();
      assert.deepEqual(served, ['/lima.json', '/oslo.json']);
      // The native lumen gives the same output for the same program and server.
      if (process.env.LUMEN_BIN) {
        rmSync(join(dir, 'wasi_data', 'summary.txt'));
        const native = await runProcess(
          process.env.LUMEN_BIN,
          ['run', 'app.lm.md', '--', `${server.origin}/`],
          dir,
        );
        assert.equal(native.stdout, r.stdout, native.stderr);
      }
      // A host that is not granted is refused inside wasm, before any request.
      const other = await runWasmtime(dir, ['run', 'app.lm.md', '--', 'http://localhost:9/'], {
        http: true,
      });
      assert.equal(other.code, 1);
      assert.match(other.stderr, /E0907/);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
