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
  readdirSync,
  readFileSync,
  existsSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  symlinkSync,
  copyFileSync,
} from 'node:fs';
import { serve } from '../lib/server.mjs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from '../lib/lumen.mjs';
import { runNodeWasi, runWasmtime, runProcess } from '../lib/wasi.mjs';

function stem(file) {
  if (file.endsWith('.lm.md')) return file.slice(0, -'.lm.md'.length);
  if (file.endsWith('.lm')) return file.slice(0, -'.lm'.length);
  return null;
}

/** The hosts every WASI test runs under. */
const HOSTS = [
  ['node:wasi', runNodeWasi],
  ['wasmtime', runWasmtime],
];

const dir = join(ROOT, 'tests', 'conformance');
const programs = readdirSync(dir)
  .filter((f) => stem(f) !== null)
  .sort();

for (const [host, lumen] of HOSTS) {
describe(`conformance programs under ${host}`, () => {
  test('there are programs', () => assert.ok(programs.length >= 10, programs.join(' ')));
  for (const file of programs) {
    const name = stem(file);
    const out = join(dir, `${name}.out`);
    const errFile = join(dir, `${name}.err`);
    if (!existsSync(out) && !existsSync(errFile)) continue;
    test(file, async () => {
      const r = await lumen(dir, ['run', file]);
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

  test('env.get and time.now work; http.get says HTTP is not available', async () => {
    const dir = scratch({
      'misc.lm':
        'use tool env.get as Env\nuse tool time.now as Now\nuse tool http.get as Fetch\n' +
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
