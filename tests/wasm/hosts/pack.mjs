// Shared by the host tests (issue 11 item 2): the one npm package (`lumen build --target
// wasm` → pkg/, or $LUMEN_PKG), packed with `npm pack` and installed from the tarball into a
// fresh temporary project, as a user installs it; the tools of tests/wasm/node_modules/.bin;
// and the program every host runs.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { ROOT } from '../lib/lumen.mjs';

/** The package folder: pkg/ (what the README's main command writes), or $LUMEN_PKG. */
export const PKG = process.env.LUMEN_PKG ? resolve(process.env.LUMEN_PKG) : join(ROOT, 'pkg');

/** tests/wasm/node_modules/.bin */
export const BIN = join(ROOT, 'tests', 'wasm', 'node_modules', '.bin');

/** The package name from its package.json. */
export function packageName() {
  if (!existsSync(join(PKG, 'package.json'))) {
    throw new Error(
      `${PKG}/package.json is missing: build the package with \`lumen build --target wasm --out-dir ${PKG}\``,
    );
  }
  return JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')).name;
}

/** `npm pack` of the package into a new temporary folder; returns `{dir, tarball}`. */
export function pack() {
  packageName();
  const dir = mkdtempSync(join(tmpdir(), 'lumen-pack-'));
  const out = execFileSync('npm', ['pack', PKG, '--pack-destination', dir, '--json', '--silent'], {
    encoding: 'utf8',
  });
  const [info] = JSON.parse(out);
  return { dir, tarball: join(dir, info.filename), info };
}

/**
 * A fresh project with the packed package installed from its tarball (`npm install
 * ./x.tgz`, offline: the package has no dependencies). `files` maps relative paths to
 * contents. Returns `{dir, name, cleanup()}`.
 */
export function project(files = {}) {
  const name = packageName();
  const { dir: packDir, tarball } = pack();
  const dir = mkdtempSync(join(tmpdir(), 'lumen-host-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'lumen-host-test', private: true, type: 'module' }, null, 2),
  );
  execFileSync('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--silent'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return {
    dir,
    name,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      rmSync(packDir, { recursive: true, force: true });
    },
  };
}

/** Runs `cmd args` (a tool of BIN when it is one) to completion; resolves to `{code, stdout, stderr}`. */
export function run(cmd, args, options = {}) {
  const exe = existsSync(join(BIN, cmd)) ? join(BIN, cmd) : cmd;
  return new Promise((done, fail) => {
    const child = spawn(exe, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

/** The program every host runs: a tool call, printed lines and a value. */
export const SOURCE = `use tool echo.upper as Shout

cell main(n: Int) -> Int
  let r = Shout(text: "hi")
  print("tool said {r}")
  print("n is {n}")
  n * 2
end
`;

/** A program with a type error, for check(). */
export const BROKEN = 'cell main() -> Int\n  "not an int"\nend\n';

/**
 * The body of a module that runs SOURCE with `lumen` (the imported package namespace) and
 * returns a JSON-able summary; the same text runs in every host.
 */
export const PROBE = `
async function probe(lumen) {
  const result = await lumen.run(${JSON.stringify(SOURCE)}, {
    filename: 'app.lm',
    args: [21],
    tools: { 'echo.upper': ({ text }) => ({ text: String(text).toUpperCase() }) },
  });
  const diags = lumen.check(${JSON.stringify(BROKEN)}, 'broken.lm');
  return {
    version: lumen.version(),
    value: result.value,
    output: result.output,
    display: result.display,
    checkOk: lumen.check(${JSON.stringify(SOURCE)}, 'app.lm').length,
    diagnostics: diags.map((d) => d.code),
  };
}
`;

/** Asserts the summary PROBE returns. */
export function assertProbe(summary) {
  assert.equal(typeof summary.version, 'string');
  assert.equal(summary.value, 42);
  assert.equal(summary.display, '42');
  assert.deepEqual(summary.output, ['tool said {"text": "HI"}', 'n is 21']);
  assert.equal(summary.checkOk, 0, 'the program checks clean');
  assert.ok(summary.diagnostics.length > 0, 'the broken program has a diagnostic');
  assert.match(summary.diagnostics[0], /^E\d{4}$/);
}
