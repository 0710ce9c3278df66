// The JavaScript API of the package `pkg/` (its CommonJS entry) against docs/briefs' contract (issue 3): version, check,
// compile, run and its options, LumenError kinds, value conversion, and that a long run
// leaves the event loop free.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadLumen,
  workspaceVersion,
  assertLumenError,
  assertDiagnostic,
  rejection,
  thrown,
  echoUpper,
} from '../lib/lumen.mjs';

const lumen = loadLumen();

/** Lines joined into a source text (each line ends with "\n"). */
const src = (...lines) => lines.map((l) => `${l}\n`).join('');

/** A markdown program whose error sits on line 7, column 16 of the markdown file. */
const BAD_MARKDOWN = src(
  '# A program',
  '',
  'Some prose before the code.',
  '',
  '```lumen',
  'cell main() -> Int',
  '  let x: Int = "s"',
  '  x',
  'end',
  '```',
);

/** A markdown program that prints and returns a value. */
const GOOD_MARKDOWN = src(
  '# Hello',
  '',
  '```lumen',
  'cell main() -> Int',
  '  print("hello from markdown")',
  '  41 + 1',
  'end',
  '```',
  '',
  'Prose after the code.',
);

describe('version', () => {
  test('is the workspace version', () => {
    assert.equal(lumen.version(), workspaceVersion());
  });
});

describe('check', () => {
  test('a correct program has no diagnostics', () => {
    assert.deepEqual(lumen.check(src('cell main()', '  print(1)', 'end'), 'ok.lm'), []);
    assert.deepEqual(lumen.check(GOOD_MARKDOWN, 'ok.lm.md'), []);
  });

  test('markdown positions are lines and columns of the markdown file', () => {
    const ds = lumen.check(BAD_MARKDOWN, 'bad.lm.md');
    assert.ok(Array.isArray(ds));
    assert.equal(ds.length, 1, JSON.stringify(ds));
    const [d] = ds;
    assertDiagnostic(d);
    assert.equal(d.code, 'E0300');
    assert.equal(d.file, 'bad.lm.md');
    assert.equal(d.line, 7);
    assert.equal(d.column, 16);
    assert.equal(d.severity, 'error');
    assert.ok(d.message.length > 0 && !d.message.includes('\n'), d.message);
    assert.deepEqual(
      Object.keys(d).sort(),
      ['code', 'column', 'file', 'line', 'message', 'severity'],
      'exactly the contract fields',
    );
  });

  test('without a filename, markdown is detected and the file is main.lm.md', () => {
    const [d] = lumen.check(BAD_MARKDOWN);
    assert.equal(d.file, 'main.lm.md');
    assert.equal(d.line, 7);
    assert.equal(d.column, 16);
    const [plain] = lumen.check(src('cell main() -> Int', '  "s"', 'end'));
    assert.equal(plain.file, 'main.lm');
    assert.equal(plain.line, 2);
  });

  test('reports every error of a file', () => {
    const ds = lumen.check(
      src('cell main() -> Int', '  let a: Int = "x"', '  let b: String = 1', '  a', 'end'),
      'two.lm',
    );
    assert.deepEqual(
      ds.map((d) => [d.code, d.line, d.column]),
      [
        ['E0300', 2, 16],
        ['E0300', 3, 19],
      ],
    );
  });

  test('warnings have severity "warning"', () => {
    const ds = lumen.check(
      src(
        'cell name(n: Int) -> String',
        '  match n',
        '    _ -> "any"',
        '    1 -> "one"',
        '  end',
        'end',
        'cell main()',
        '  print(name(1))',
        'end',
      ),
      'warn.lm',
    );
    assert.equal(ds.length, 1, JSON.stringify(ds));
    assert.equal(ds[0].code, 'W0002');
    assert.equal(ds[0].severity, 'warning');
    assert.equal(ds[0].line, 4);
    assert.equal(ds[0].column, 5);
  });

  test('syntax errors are diagnostics, not exceptions', () => {
    const ds = lumen.check('cell main(\n  let = 5\n', 'syntax.lm');
    assert.ok(ds.length >= 1);
    assert.ok(ds.every((d) => d.severity === 'error' && d.file === 'syntax.lm'));
    assert.match(ds[0].code, /^E01\d\d$/);
  });
});

describe('compile', () => {
  const PROGRAM = src(
    'record P',
    '  x: Int',
    'end',
    'cell main() -> list[P]',
    '  print("compiled")',
    '  [P(x: 1), P(x: 2)]',
    'end',
  );

  test('gives binary LIR starting with LMB\\0', () => {
    const bytes = lumen.compile(PROGRAM, 'prog.lm');
    assert.ok(bytes instanceof Uint8Array, 'a Uint8Array');
    assert.ok(bytes.length > 4);
    assert.deepEqual([...bytes.slice(0, 4)], [0x4c, 0x4d, 0x42, 0x00]);
  });

  test('run(bytes) gives the same result as run(source)', async () => {
    const bytes = lumen.compile(PROGRAM, 'prog.lm');
    const fromSource = await lumen.run(PROGRAM, { filename: 'prog.lm' });
    const fromBytes = await lumen.run(bytes);
    assert.deepEqual(fromBytes, fromSource);
    assert.deepEqual(fromSource.output, ['compiled']);
    assert.equal(fromSource.display, '[P(x: 1), P(x: 2)]');
    assert.deepEqual(fromSource.value, [{ x: 1 }, { x: 2 }]);
  });

  test('compiled markdown keeps markdown lines for run-time errors', async () => {
    const md = src('# T', '', '```lumen', 'cell main()', '  print("a")', '  halt("stop")', 'end', '```');
    const bytes = lumen.compile(md, 'stop.lm.md');
    const err = assertLumenError(lumen, await rejection(lumen.run(bytes)), {
      kind: 'runtime',
      code: 'E0905',
    });
    assert.equal(err.line, 6);
    assert.equal(err.file, 'stop.lm.md');
  });

  test('a compile error throws a LumenError with diagnostics', () => {
    const err = thrown(() => lumen.compile(BAD_MARKDOWN, 'bad.lm.md'));
    assertLumenError(lumen, err, { kind: 'compile', code: 'E0300' });
    assert.deepEqual(
      err.diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
      [['E0300', 'bad.lm.md', 7, 16]],
    );
  });

  test('gives the same bytes as `lumen emit -o x.lmb` (LUMEN_BIN, required)', () => {
    const bin = process.env.LUMEN_BIN;
    assert.ok(bin, 'set LUMEN_BIN to a lumen binary built from this tree to compare');
    const dir = mkdtempSync(join(tmpdir(), 'lumen-emit-'));
    try {
      writeFileSync(join(dir, 'prog.lm'), PROGRAM);
      execFileSync(bin, ['emit', '-o', 'prog.lmb', 'prog.lm'], { cwd: dir });
      const native = readFileSync(join(dir, 'prog.lmb'));
      assert.deepEqual(Buffer.from(lumen.compile(PROGRAM, 'prog.lm')), native);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('run options', () => {
  test('returns a Promise of {value, display, output}', async () => {
    const p = lumen.run(src('cell main() -> Int', '  print("hi")', '  7 * 6', 'end'));
    assert.ok(p instanceof Promise);
    const r = await p;
    assert.deepEqual(Object.keys(r).sort(), ['display', 'output', 'value']);
    assert.deepEqual(r, { value: 42, display: '42', output: ['hi'] });
  });

  test('no options: markdown detected from lumen fences', async () => {
    const r = await lumen.run(GOOD_MARKDOWN);
    assert.deepEqual(r, { value: 42, display: '42', output: ['hello from markdown'] });
  });

  test('filename decides .lm vs .lm.md and names the file in errors', async () => {
    const md = await lumen.run(GOOD_MARKDOWN, { filename: 'doc.lm.md' });
    assert.equal(md.value, 42);
    // In a .lm file, fenced blocks are documentation: there is no main left (the only other
    // line is a `#` heading, a comment in a .lm file).
    const onlyFenced = src('# Heading', '', '```lumen', 'cell main() -> Int', '  1', 'end', '```');
    assert.equal((await lumen.run(onlyFenced)).value, 1);
    const err = await rejection(lumen.run(onlyFenced, { filename: 'doc.lm' }));
    assert.ok(err instanceof lumen.LumenError, String(err));
    assert.equal(err.code, 'E0311');
    assert.ok(err.rendered.includes('doc.lm'), err.rendered);
    // Errors name the given file.
    const rt = await rejection(
      lumen.run(src('cell main()', '  print([1][5])', 'end'), { filename: 'named.lm' }),
    );
    assertLumenError(lumen, rt, { kind: 'runtime', code: 'E0903' });
    assert.equal(rt.file, 'named.lm');
    assert.ok(rt.rendered.includes('named.lm:2'), rt.rendered);
  });

  test('without a filename, errors name main.lm', async () => {
    const rt = await rejection(lumen.run(src('cell main()', '  print([1][5])', 'end')));
    assert.equal(rt.file, 'main.lm');
    assert.ok(rt.rendered.includes('main.lm:2'), rt.rendered);
  });

  test('cell selects the entry cell', async () => {
    const program = src(
      'cell main()',
      '  print("main")',
      'end',
      'cell other(a: Int, b: String) -> String',
      '  print("other")',
      '  "{b}{a}"',
      'end',
    );
    const r = await lumen.run(program, { cell: 'other', args: [5, 'x'] });
    assert.deepEqual(r, { value: 'x5', display: 'x5', output: ['other'] });
    const main = await lumen.run(program);
    assert.deepEqual(main, { value: null, display: '', output: ['main'] });
    const err = await rejection(lumen.run(program, { cell: 'nope' }));
    assert.ok(err instanceof lumen.LumenError, String(err));
    assert.equal(err.code, 'E0311');
    assert.ok(err.message.includes('nope'), err.message);
  });

  test('args: integral numbers are Int for Int parameters, else Float', async () => {
    const program = src(
      'cell main(i: Int, f: Float, s: String, b: Bool, xs: list[Int]) -> String',
      '  "{type_of(i)} {i} {type_of(f)} {f} {s} {b} {xs}"',
      'end',
    );
    const r = await lumen.run(program, { args: [3, 2, 'hey', true, [1, 2]] });
    assert.equal(r.value, 'Int 3 Float 2.0 hey true [1, 2]');
    const r2 = await lumen.run(program, { args: [-7, 0.5, '', false, []] });
    assert.equal(r2.value, 'Int -7 Float 0.5  false []');
  });

  test('args that do not fit the entry cell are E0913', async () => {
    const program = src('cell main(n: Int) -> Int', '  n * 2', 'end');
    assert.equal((await lumen.run(program, { args: [21] })).value, 42);
    const missing = await rejection(lumen.run(program));
    assertLumenError(lumen, missing, { kind: 'runtime', code: 'E0913' });
    const extra = await rejection(lumen.run(program, { args: [1, 2] }));
    assertLumenError(lumen, extra, { kind: 'runtime', code: 'E0913' });
  });

  test('tools: a sync tool receives the named arguments as an object', async () => {
    const calls = [];
    const r = await lumen.run(
      src(
        'use tool test.sum as Sum',
        'cell main() -> Int',
        '  let r = Sum(a: 2, b: 40, label: "x", flags: [true, false])',
        '  print(r["label"])',
        '  r["total"]',
        'end',
      ),
      {
        tools: {
          'test.sum': (args) => {
            calls.push(args);
            return { total: args.a + args.b, label: `got ${args.label}` };
          },
        },
      },
    );
    assert.deepEqual(calls, [{ a: 2, b: 40, label: 'x', flags: [true, false] }]);
    assert.deepEqual(r, { value: 42, display: '42', output: ['got x'] });
  });

  test('tools: an async tool resolved after a setTimeout', async () => {
    let calls = 0;
    const slow = ({ n }) =>
      new Promise((resolve) => {
        calls += 1;
        setTimeout(() => resolve({ doubled: n * 2, items: [n, { deep: 'yes' }] }), 30);
      });
    const r = await lumen.run(
      src(
        'use tool test.slow as Slow',
        'cell main() -> Int',
        '  let a = Slow(n: 10)',
        '  print(a["items"][1]["deep"])',
        '  let b = Slow(n: a["doubled"])',
        '  b["doubled"]',
        'end',
      ),
      { tools: { 'test.slow': slow } },
    );
    assert.equal(calls, 2);
    assert.deepEqual(r, { value: 40, display: '40', output: ['yes'] });
  });

  test('onPrint is called for each line as it is printed, in order with tool calls', async () => {
    const log = [];
    const r = await lumen.run(
      src(
        'use tool echo.upper as Shout',
        'cell main()',
        '  print("one")',
        '  print(Shout(text: "two")["text"])',
        '  for i in 3..=4',
        '    print(i, "x")',
        '  end',
        'end',
      ),
      {
        tools: {
          'echo.upper': async (args) => {
            log.push(`tool ${args.text}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
            return echoUpper(args);
          },
        },
        onPrint: (line) => log.push(`print ${line}`),
      },
    );
    assert.deepEqual(log, ['print one', 'tool two', 'print TWO', 'print 3 x', 'print 4 x']);
    assert.deepEqual(r.output, ['one', 'TWO', '3 x', '4 x']);
  });

  test('fuel: exceeding the budget rejects with kind limit (E0910)', async () => {
    const program = src('cell main() -> Int', '  let mut i = 0', '  while true', '    i += 1', '  end', '  i', 'end');
    const err = await rejection(lumen.run(program, { fuel: 10_000 }));
    assertLumenError(lumen, err, { kind: 'limit', code: 'E0910' });
    // A program within its budget runs.
    const ok = await lumen.run(src('cell main() -> Int', '  1 + 1', 'end'), { fuel: 10_000 });
    assert.equal(ok.value, 2);
  });

  test('maxDepth: deeper recursion rejects with kind limit (E0909)', async () => {
    const program = src(
      'cell depth(n: Int) -> Int',
      '  if n == 0 then 0 else 1 + depth(n - 1)',
      'end',
      'cell main(n: Int) -> Int',
      '  depth(n)',
      'end',
    );
    assert.equal((await lumen.run(program, { args: [150], maxDepth: 200 })).value, 150);
    const err = await rejection(lumen.run(program, { args: [300], maxDepth: 200 }));
    assertLumenError(lumen, err, { kind: 'limit', code: 'E0909' });
    assert.equal(err.line, 2);
    // The default (10,000 frames) allows 5,000 and stops unbounded recursion.
    assert.equal((await lumen.run(program, { args: [5000] })).value, 5000);
    const deep = await rejection(lumen.run(program, { args: [50_000] }));
    assertLumenError(lumen, deep, { kind: 'limit', code: 'E0909' });
  });

  test('modules: sources for imports keyed by dotted path', async () => {
    const modules = {
      'util.math': src('const BASE = 40', 'cell double(n: Int) -> Int', '  n * 2', 'end'),
      'docs.shapes': src(
        '# Shapes',
        '',
        '```lumen',
        'record Sq',
        '  side: Int',
        'end',
        'cell area(s: Sq) -> Int',
        '  s.side * s.side',
        'end',
        '```',
      ),
    };
    const r = await lumen.run(
      src(
        'import util.math: double, BASE',
        'import docs.shapes: *',
        'cell main() -> Int',
        '  print(area(Sq(side: 3)))',
        '  BASE + double(1)',
        'end',
      ),
      { modules },
    );
    assert.deepEqual(r, { value: 42, display: '42', output: ['9'] });
    const err = await rejection(
      lumen.run(src('import util.missing: thing', 'cell main()', '  print(thing())', 'end'), {
        modules,
      }),
    );
    assertLumenError(lumen, err, { kind: 'compile', code: 'E0203' });
    assert.ok(err.rendered.includes('util.missing') || err.rendered.includes('missing'), err.rendered);
  });
});

describe('errors', () => {
  test('compile: diagnostics and rendered text with file:line:col, source line and caret', async () => {
    const err = await rejection(lumen.run(BAD_MARKDOWN, { filename: 'bad.lm.md' }));
    assertLumenError(lumen, err, { kind: 'compile', code: 'E0300' });
    assert.deepEqual(
      err.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.severity]),
      [['E0300', 'bad.lm.md', 7, 16, 'error']],
    );
    assert.ok(err.rendered.includes('error[E0300]'), err.rendered);
    assert.ok(err.rendered.includes('bad.lm.md:7:16'), err.rendered);
    assert.ok(err.rendered.includes('let x: Int = "s"'), err.rendered);
    assert.ok(err.rendered.includes('^^^'), err.rendered);
  });

  test('compile: every error of the file is a diagnostic', async () => {
    const err = await rejection(
      lumen.run(src('cell main() -> Int', '  let a: Int = "x"', '  let b: String = 1', '  a', 'end')),
    );
    assertLumenError(lumen, err, { kind: 'compile', code: 'E0300' });
    assert.deepEqual(
      err.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line),
      [2, 3],
    );
  });

  test('runtime: code, line, column, file and rendered `error[..]: ..\\n  --> file:line:column (in cell)`', async () => {
    const printed = [];
    const err = await rejection(
      lumen.run(
        src('cell main()', '  print("a")', '  let xs = [1]', '  print(xs[3])', 'end'),
        { filename: 'rt.lm', onPrint: (l) => printed.push(l) },
      ),
    );
    assertLumenError(lumen, err, { kind: 'runtime', code: 'E0903' });
    assert.equal(err.line, 4);
    assert.equal(err.file, 'rt.lm');
    assert.deepEqual(printed, ['a']);
    assert.equal(err.rendered.trimEnd(), `error[E0903]: ${err.message}\n  --> rt.lm:4:9 (in main)`);
  });

  test('runtime: halt, overflow and division by zero', async () => {
    const cases = [
      ['cell main()\n  halt("stopped here")\nend\n', 'E0905', 'stopped here'],
      ['cell main() -> Int\n  9223372036854775807 + 1\nend\n', 'E0901', null],
      ['cell main(n: Int) -> Int\n  10 / n\nend\n', 'E0902', null],
    ];
    for (const [program, code, text] of cases) {
      const err = await rejection(lumen.run(program, { args: program.includes('n: Int') ? [0] : [] }));
      assertLumenError(lumen, err, { kind: 'runtime', code });
      assert.equal(err.line, 2);
      if (text) assert.ok(err.message.includes(text), err.message);
    }
  });

  test('tool: a JS tool that throws is E0906 with the JS error message', async () => {
    const program = src('use tool test.fail as Fail', 'cell main()', '  print("before")', '  Fail(x: 1)', 'end');
    const printed = [];
    const err = await rejection(
      lumen.run(program, {
        filename: 'fail.lm',
        tools: {
          'test.fail': () => {
            throw new Error('the disk is on fire');
          },
        },
        onPrint: (l) => printed.push(l),
      }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.ok(err.message.includes('the disk is on fire'), err.message);
    assert.ok(err.rendered.includes('the disk is on fire'), err.rendered);
    assert.equal(err.line, 4);
    assert.ok(err.rendered.includes('fail.lm:4'), err.rendered);
    assert.deepEqual(printed, ['before']);
  });

  test('tool: a rejected promise is E0906 with the rejection message', async () => {
    const program = src('use tool test.fail as Fail', 'cell main()', '  Fail(x: 1)', 'end');
    const err = await rejection(
      lumen.run(program, {
        tools: {
          'test.fail': async () => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            throw new Error('remote said no');
          },
        },
      }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.ok(err.message.includes('remote said no'), err.message);
  });

  test('tool: a thrown non-Error value is E0906 carrying its text', async () => {
    const program = src('use tool test.fail as Fail', 'cell main()', '  Fail(x: 1)', 'end');
    const err = await rejection(
      lumen.run(program, {
        tools: {
          'test.fail': () => {
            throw 'plain string failure';
          },
        },
      }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.ok(err.message.includes('plain string failure'), err.message);
  });

  test('tool: an unknown tool is E0908 naming it and listing the provided tools', async () => {
    const program = src('use tool nope.missing as Missing', 'cell main()', '  Missing(x: 1)', 'end');
    const err = await rejection(
      lumen.run(program, { tools: { 'alpha.one': () => 1, 'beta.two': () => 2 } }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0908' });
    assert.ok(err.message.includes('nope.missing'), err.message);
    assert.ok(err.message.includes('alpha.one'), err.message);
    assert.ok(err.message.includes('beta.two'), err.message);
    assert.equal(err.line, 3);
  });

  test('tool: a declared but uncalled unknown tool is fine', async () => {
    const r = await lumen.run(src('use tool nope.missing as Missing', 'cell main() -> Int', '  1', 'end'));
    assert.equal(r.value, 1);
  });

  test('grant: max_calls stops the call beyond the limit before JS runs', async () => {
    let calls = 0;
    const program = src(
      'use tool echo.upper as Shout',
      'grant Shout max_calls 2',
      'cell main()',
      '  for w in ["a", "b", "c"]',
      '    print(Shout(text: w)["text"])',
      '  end',
      'end',
    );
    const printed = [];
    const err = await rejection(
      lumen.run(program, {
        tools: {
          'echo.upper': (args) => {
            calls += 1;
            return echoUpper(args);
          },
        },
        onPrint: (l) => printed.push(l),
      }),
    );
    assertLumenError(lumen, err, { kind: 'grant', code: 'E0907' });
    assert.ok(err.message.includes('max_calls'), err.message);
    assert.ok(err.message.includes('Shout'), err.message);
    assert.equal(calls, 2, 'the third call never reached JS');
    assert.deepEqual(printed, ['A', 'B']);
    assert.equal(err.line, 5);
  });

  test('grant: max_calls counts per run (two concurrent runs)', async () => {
    const program = src(
      'use tool test.slow as Slow',
      'grant Slow max_calls 1',
      'cell main(n: Int) -> Int',
      '  Slow(n: n)["n"]',
      'end',
    );
    const tools = {
      'test.slow': ({ n }) => new Promise((resolve) => setTimeout(() => resolve({ n }), 20)),
    };
    const [a, b] = await Promise.all([
      lumen.run(program, { tools, args: [1] }),
      lumen.run(program, { tools, args: [2] }),
    ]);
    assert.equal(a.value, 1);
    assert.equal(b.value, 2);
  });

  test('grant: a domain violation is E0907 and the JS function is not called', async () => {
    const urls = [];
    const tools = {
      'http.get': ({ url }) => {
        urls.push(url);
        return { status: 200, json: { ok: true } };
      },
    };
    const program = src(
      'use tool http.get as Fetch',
      'grant Fetch domain "api.example.com"',
      'cell main(url: String) -> Int',
      '  Fetch(url: url)["status"]',
      'end',
    );
    const ok = await lumen.run(program, { tools, args: ['https://api.example.com/v1'] });
    assert.equal(ok.value, 200);
    assert.deepEqual(urls, ['https://api.example.com/v1']);
    for (const bad of ['https://evil.test/steal', 'https://api.example.com@evil.test/', 'https://sub.api.example.com/']) {
      const err = await rejection(lumen.run(program, { tools, args: [bad] }));
      assertLumenError(lumen, err, { kind: 'grant', code: 'E0907' });
      assert.ok(err.message.includes('domain'), err.message);
      assert.equal(err.line, 4);
    }
    assert.deepEqual(urls, ['https://api.example.com/v1'], 'JS was called only for the allowed URL');
  });

  test('limit: fuel and depth are kind limit', async () => {
    const loop = await rejection(lumen.run('cell main()\n  loop\n  end\nend\n', { fuel: 5000 }));
    assertLumenError(lumen, loop, { kind: 'limit', code: 'E0910' });
    const rec = await rejection(
      lumen.run('cell f(n: Int) -> Int\n  1 + f(n + 1)\nend\ncell main() -> Int\n  f(0)\nend\n', {
        maxDepth: 100,
      }),
    );
    assertLumenError(lumen, rec, { kind: 'limit', code: 'E0909' });
    assert.ok(rec.rendered.includes('(in f)'), rec.rendered);
  });
});

describe('value conversion', () => {
  const DECLS = src(
    'record Point',
    '  x: Int',
    '  y: Int',
    'end',
    'enum Shape',
    '  Circle(radius: Float)',
    '  Square(Float)',
    '  Empty',
    'end',
  );
  /** Runs `cell main()` returning `expr`; gives {value, display}. */
  const valueOf = async (expr) => {
    const r = await lumen.run(`${DECLS}cell main()\n  ${expr}\nend\n`);
    assert.deepEqual(r.output, []);
    return { value: r.value, display: r.display };
  };

  const CASES = [
    ['null', null, ''],
    ['true', true, 'true'],
    ['false', false, 'false'],
    ['42', 42, '42'],
    ['-5', -5, '-5'],
    ['9007199254740991', 9007199254740991, '9007199254740991'],
    ['-9007199254740991', -9007199254740991, '-9007199254740991'],
    ['9007199254740992', 9007199254740992n, '9007199254740992'],
    ['9007199254740993', 9007199254740993n, '9007199254740993'],
    ['9223372036854775807', 9223372036854775807n, '9223372036854775807'],
    ['-9223372036854775807 - 1', -9223372036854775808n, '-9223372036854775808'],
    ['2.5', 2.5, '2.5'],
    ['3.0', 3, '3.0'],
    ['0.1 + 0.2', 0.1 + 0.2, '0.30000000000000004'],
    ['1e300 * 10.0', 1e301, '1e301'],
    ['"héllo"', 'héllo', 'héllo'],
    ['""', '', ''],
    ['[1, 2, 3]', [1, 2, 3], '[1, 2, 3]'],
    ['["a", "b"]', ['a', 'b'], '["a", "b"]'],
    ['(1, "x", 2.5)', [1, 'x', 2.5], '(1, "x", 2.5)'],
    ['{"a": 1, "b": 2}', { a: 1, b: 2 }, '{"a": 1, "b": 2}'],
    ['{1: "one", 2: "two"}', { 1: 'one', 2: 'two' }, '{1: "one", 2: "two"}'],
    ['Point(x: 1, y: 2)', { x: 1, y: 2 }, 'Point(x: 1, y: 2)'],
    ['Circle(radius: 2.0)', { Circle: { radius: 2 } }, 'Circle(radius: 2.0)'],
    ['Square(3.5)', { Square: [3.5] }, 'Square(3.5)'],
    ['Empty', 'Empty', 'Empty'],
    ['ok(1)', { ok: 1 }, 'ok(1)'],
    ['err("no")', { err: 'no' }, 'err("no")'],
    [
      '[Point(x: 1, y: 2), Point(x: 3, y: 4)]',
      [
        { x: 1, y: 2 },
        { x: 3, y: 4 },
      ],
      '[Point(x: 1, y: 2), Point(x: 3, y: 4)]',
    ],
    ['{"big": [9007199254740993]}', { big: [9007199254740993n] }, '{"big": [9007199254740993]}'],
    ['parse_json("\\{\\"a\\": [1, 2.5, null, true]\\}")', { a: [1, 2.5, null, true] }, '{"a": [1, 2.5, null, true]}'],
  ];

  for (const [expr, value, display] of CASES) {
    test(`${expr}`, async () => {
      const r = await valueOf(expr);
      assert.deepEqual(r.value, value);
      assert.equal(typeof r.value, typeof value, 'JS type');
      if (display !== null) assert.equal(r.display, display);
    });
  }

  test('map keys keep insertion order', async () => {
    const r = await valueOf('{"z": 1, "a": 2, "m": 3}');
    assert.deepEqual(Object.keys(r.value), ['z', 'a', 'm']);
  });
});

describe('event loop', () => {
  const LOOP = src(
    'cell main(n: Int) -> Int',
    '  let mut s = 0',
    '  let mut i = 0',
    '  while i < n',
    '    s += i % 7',
    '    i += 1',
    '  end',
    '  s',
    'end',
  );
  const expected = (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += i % 7;
    return s;
  };

  test('timers keep firing while a long loop runs', { timeout: 300_000 }, async () => {
    // Grow the loop until one run takes at least 300 ms, then check the timer fired
    // repeatedly during that run (a blocking run would let it fire at most once, after).
    let n = 100_000;
    for (let attempt = 0; attempt < 8; attempt++) {
      let ticks = 0;
      const timer = setInterval(() => {
        ticks += 1;
      }, 10);
      const start = performance.now();
      let r;
      try {
        r = await lumen.run(LOOP, { args: [n] });
      } finally {
        clearInterval(timer);
      }
      const elapsed = performance.now() - start;
      assert.equal(r.value, expected(n));
      if (elapsed >= 300) {
        assert.ok(ticks >= 5, `only ${ticks} timer ticks during a ${Math.round(elapsed)} ms run`);
        return;
      }
      n *= 4;
    }
    assert.fail('the loop never took 300 ms');
  });
});
