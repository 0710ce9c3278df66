// Shared helpers for the WebAssembly tests: where the repository and the package are,
// loading the npm package `pkg/` (`lumen build --target wasm`) through its CommonJS entry, and
// the small checks every test file makes on a `LumenError`.

import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

/** The repository root (`tests/wasm/lib/../../..`). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The npm package folder every JavaScript host loads: `pkg/` (what the README's main command
 * writes), or `$LUMEN_PKG` to test another build (`$LUMEN_PKG_NODE` / `$LUMEN_PKG_WEB`, the
 * names from before the one package, are still read by the Node / browser tests).
 */
export const PKG = resolve(process.env.LUMEN_PKG ?? join(ROOT, 'pkg'));

/** The package the Node.js tests load: $LUMEN_PKG_NODE, else PKG. */
export const PKG_NODE = process.env.LUMEN_PKG_NODE ? resolve(process.env.LUMEN_PKG_NODE) : PKG;

/** The package the browser tests serve: $LUMEN_PKG_WEB, else PKG. */
export const PKG_WEB = process.env.LUMEN_PKG_WEB ? resolve(process.env.LUMEN_PKG_WEB) : PKG;

/** The command that builds PKG. */
export const BUILD_HINT = 'cargo run -p lumen-cli -- build --target wasm --out-dir pkg';

/**
 * Loads the package's CommonJS entry (`index.cjs`). Throws with the command that builds it
 * when the package is missing, so a test run without a build fails with a clear message.
 */
export function loadLumen() {
  const entry = join(PKG_NODE, 'index.cjs');
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: build the package with \`${BUILD_HINT}\``);
  }
  const require = createRequire(import.meta.url);
  return require(entry);
}

/** Reads a file of the repository as UTF-8 text. */
export function readText(...parts) {
  return readFileSync(join(ROOT, ...parts), 'utf8');
}

/** The workspace version from the root `Cargo.toml` (`[workspace.package] version`). */
export function workspaceVersion() {
  const toml = readText('Cargo.toml');
  const section = toml.split(/^\[workspace\.package\]\s*$/m)[1] ?? toml;
  const m = section.match(/^version\s*=\s*"([^"]+)"/m);
  if (!m) throw new Error('no version in Cargo.toml');
  return m[1];
}

/**
 * The error kind that the API contract gives a code:
 * compile = E0001–E0399 (compile diagnostics); grant = E0907; tool = E0906 and E0908;
 * limit = E0909, E0910, E0914; cancelled = E0915; internal = E0999 (the instance trapped and
 * recovered; E0999 is also a compile diagnostic, kind compile); runtime = every other E09xx.
 */
export function kindOfCode(code) {
  const n = Number(code.slice(1));
  if (n < 900) return 'compile';
  if (code === 'E0907') return 'grant';
  if (code === 'E0906' || code === 'E0908') return 'tool';
  if (code === 'E0909' || code === 'E0910' || code === 'E0914') return 'limit';
  if (code === 'E0915') return 'cancelled';
  if (code === 'E0999') return 'internal';
  return 'runtime';
}

/**
 * Asserts that `err` is a `LumenError` of the contract's shape. An `internal` error (the
 * instance trapped) fails the assertion unless `kind` is 'internal' or `allowInternal` is set.
 */
export function assertLumenError(lumen, err, { kind, code, allowInternal = false } = {}) {
  assert.ok(err instanceof lumen.LumenError, `expected a LumenError, got ${describe(err)}`);
  assert.ok(
    err instanceof Error || err.name === 'LumenError',
    'a LumenError is an Error subclass or has name "LumenError"',
  );
  assert.equal(typeof err.kind, 'string', 'kind is a string');
  assert.ok(
    ['compile', 'runtime', 'tool', 'grant', 'limit', 'cancelled', 'internal'].includes(err.kind),
    `unknown kind ${err.kind}`,
  );
  assert.equal(typeof err.message, 'string', 'message is a string');
  assert.ok(!err.message.includes('\n'), `message is one line: ${JSON.stringify(err.message)}`);
  assert.match(err.code, /^E\d{4}$/, 'code is E....');
  assert.equal(typeof err.rendered, 'string', 'rendered is a string');
  assert.ok(!/\x1b\[/.test(err.rendered), 'rendered has no colour escapes');
  assert.ok(err.rendered.includes(err.code), `rendered names the code: ${err.rendered}`);
  if (kind !== 'internal' && !allowInternal) {
    assert.ok(
      !err.rendered.includes('internal error') && !err.rendered.includes('panicked'),
      `internal error: ${err.rendered}`,
    );
  }
  if (code !== undefined) assert.equal(err.code, code, `code (${err.rendered})`);
  if (kind !== undefined) assert.equal(err.kind, kind, `kind (${err.rendered})`);
  if (err.code === 'E0999' && err.kind === 'compile') {
    // E0999 is also the compiler's own internal-error diagnostic (kind compile).
  } else {
    assert.equal(err.kind, kindOfCode(err.code), `kind ${err.kind} fits code ${err.code}`);
  }
  if (err.kind === 'compile') {
    assert.ok(Array.isArray(err.diagnostics), 'a compile error has diagnostics');
    assert.ok(err.diagnostics.length > 0, 'at least one diagnostic');
    for (const d of err.diagnostics) assertDiagnostic(d);
    assert.ok(
      err.diagnostics.some((d) => d.code === err.code && d.severity === 'error'),
      'the error code is one of the diagnostics',
    );
  }
  return err;
}

/** Asserts the contract's `Diagnostic` shape. */
export function assertDiagnostic(d) {
  assert.equal(typeof d.code, 'string');
  assert.match(d.code, /^[EW]\d{4}$/);
  assert.equal(typeof d.message, 'string');
  assert.equal(typeof d.file, 'string');
  assert.equal(typeof d.line, 'number');
  assert.equal(typeof d.column, 'number');
  assert.ok(d.severity === 'error' || d.severity === 'warning', `severity ${d.severity}`);
}

/** Awaits `promise`, which must reject; returns the rejection reason. */
export async function rejection(promise) {
  try {
    const value = await promise;
    assert.fail(`expected a rejection, got ${describe(value)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
}

/** Calls `fn`, which must throw; returns what it threw. */
export function thrown(fn) {
  try {
    const value = fn();
    assert.fail(`expected a throw, got ${describe(value)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
}

/** A short description of any value for failure messages. */
export function describe(v) {
  if (v === null || v === undefined) return String(v);
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (typeof v === 'object' && 'rendered' in v) return `{kind: ${v.kind}, rendered: ${v.rendered}}`;
  try {
    return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
  } catch {
    return String(v);
  }
}

/** What `lumen run` prints on stdout for a result: the output lines, then the display. */
export function stdoutOf(lines, display) {
  return lines.map((l) => `${l}\n`).join('') + (display ? `${display}\n` : '');
}

/** The `echo.upper` test tool every host registers (tests/conformance/tools.lm.md). */
export const echoUpper = ({ text }) => ({ text: String(text).toUpperCase() });
