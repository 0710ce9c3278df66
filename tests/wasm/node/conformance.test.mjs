// Golden tests of the package `pkg/`: every program of tests/conformance/, tests/programs/ and
// examples/ runs through the JavaScript API `run()` and must give what the native `lumen run`
// gives (the format of tests/conformance/README.md, the rules of
// rust/lumen-cli/tests/conformance.rs):
// - NAME.out: the printed lines (each followed by "\n") and then main's display (when not
//   empty) must equal it exactly;
// - NAME.err: the run must reject with a LumenError whose `rendered` text holds every
//   non-empty line of it (and whose kind fits its code);
// - NAME.args: whitespace-separated arguments, passed as `args` (see `jsArgs`);
// - neither: a helper module, not run.
// Modules imported by tests/programs/ come from tests/programs/modules/ through `modules`.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  loadLumen,
  assertLumenError,
  stdoutOf,
  echoUpper,
  describe as show,
} from '../lib/lumen.mjs';

const lumen = loadLumen();

/**
 * Programs that cannot run under the JavaScript host, with the reason. Keep this small:
 * a program belongs here only when it depends on something no JS host can reproduce.
 */
const SKIP = {
  'tests/programs/err_E0001_invalid_utf8.lm':
    'the source holds an invalid UTF-8 byte on purpose; the JS API takes source as a JS ' +
    'string, which cannot carry invalid UTF-8 (decoding replaces the byte with U+FFFD), so ' +
    'E0001 is unreachable through run(); the native CLI covers it',
};

/**
 * Extra JS tools for single programs: `fs.read` for err_E0906_tool_failed.lm, a Node host's
 * provider built on node:fs (the file is missing, so the provider throws and the run must
 * end with E0906 at the call's line), and an `fs.read` that must never be reached for
 * err_E0907_fs_read_no_path.lm.
 */
const EXTRA_TOOLS = {
  'tests/programs/err_E0906_tool_failed.lm': {
    'fs.read': ({ path }) => ({ text: readFileSync(path, 'utf8') }),
  },
  // Issue 10 item 6: the standard tool's required `path` grant is enforced for a JS
  // provider too; this one must never be called.
  'tests/programs/err_E0907_fs_read_no_path.lm': {
    'fs.read': () => {
      throw new Error('issue 10 item 6: fs.read reached JS without a path grant');
    },
  },
  // A JS env.get: the `name` grant is checked before it is called (issue 10 item 11).
  'tests/programs/err_E0907_env_get_no_name.lm': {
    'env.get': ({ name }) => process.env[name] ?? null,
  },
  'tests/programs/err_E0907_env_get_name_denied.lm': {
    'env.get': ({ name }) => process.env[name] ?? null,
  },
};

/** `NAME` of `NAME.lm` / `NAME.lm.md`, else null. */
function stem(file) {
  if (file.endsWith('.lm.md')) return file.slice(0, -'.lm.md'.length);
  if (file.endsWith('.lm')) return file.slice(0, -'.lm'.length);
  return null;
}

function readOpt(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** Every program file of a folder (files only: `modules/` is not descended), sorted. */
function programs(folder) {
  const dir = join(ROOT, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => stem(f) !== null && statSync(join(dir, f)).isFile())
    .sort();
}

/**
 * Module sources for `import`, from tests/programs/modules/, keyed by their dotted path from
 * the programs' folder (`modules.mathx`), the layout the native CLI reads from disk. Imports
 * inside a module are relative to it, as natively: `modules/cyc_a.lm` imports `cyc_b`,
 * which is `modules.cyc_b`.
 */
function moduleSources() {
  const dir = join(ROOT, 'tests', 'programs', 'modules');
  const modules = {};
  for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const name = stem(f);
    if (name === null) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    modules[`modules.${name}`] = text;
  }
  return modules;
}

/**
 * The JS values for a NAME.args file. The CLI converts each word by the entry cell's
 * parameter type; a JS caller passes typed values instead: a word that is valid JSON is
 * that value (`3` → 3, `0.5` → 0.5, `true` → true), any other word is a string. A cell
 * whose only parameter is `list[String]` receives all words as one list, as in the CLI.
 */
function jsArgs(words, source) {
  if (/cell\s+main\s*\(\s*\w+\s*:\s*list\s*\[\s*String\s*\]\s*\)/.test(source)) {
    return [words];
  }
  return words.map((w) => {
    try {
      return JSON.parse(w);
    } catch {
      return w;
    }
  });
}

const MODULES = moduleSources();

for (const folder of ['tests/conformance', 'tests/programs', 'examples']) {
  describe(folder, () => {
    const files = programs(folder);
    test('has programs', () => {
      assert.ok(files.length > 0, `no programs in ${folder}`);
    });
    for (const file of files) {
      const name = stem(file);
      const key = `${folder}/${file}`;
      const out = readOpt(join(ROOT, folder, `${name}.out`));
      const errText = readOpt(join(ROOT, folder, `${name}.err`));
      if (out === null && errText === null) continue; // a helper module
      const skip = SKIP[key];
      test(file, { skip, timeout: 300_000 }, async () => {
        const source = readFileSync(join(ROOT, folder, file), 'utf8');
        const argsText = readOpt(join(ROOT, folder, `${name}.args`));
        const printed = [];
        const options = {
          filename: file,
          tools: { 'echo.upper': echoUpper, ...(EXTRA_TOOLS[key] ?? {}) },
          modules: MODULES,
          onPrint: (line) => printed.push(line),
        };
        if (argsText !== null) {
          options.args = jsArgs(argsText.split(/\s+/).filter((w) => w !== ''), source);
        }
        let result;
        let error;
        try {
          result = await lumen.run(source, options);
        } catch (e) {
          error = e;
        }
        if (errText === null) {
          assert.equal(error, undefined, `the run failed: ${show(error)}`);
          assert.deepEqual(result.output, printed, 'output equals the onPrint lines');
          assert.equal(stdoutOf(result.output, result.display), out ?? '', 'stdout');
          return;
        }
        assert.notEqual(error, undefined, `the run succeeded: ${show(result)}`);
        const fragments = errText
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '');
        const code = fragments.find((f) => /^E\d{4}$/.test(f));
        assertLumenError(lumen, error, code ? { code } : {});
        for (const fragment of fragments) {
          assert.ok(
            error.rendered.includes(fragment),
            `rendered lacks \`${fragment}\`:\n${error.rendered}`,
          );
        }
        assert.equal(stdoutOf(printed, ''), out ?? '', 'output printed before the error');
      });
    }
  });
}
