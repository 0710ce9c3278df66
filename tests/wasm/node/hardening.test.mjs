// Issue 10, the wasm package under hostile input (items 4, 5, 6, 7, 8): a trap never
// poisons the instance, run() always settles, ungranted standard tools never reach JS,
// JS tools are bounded in time and can be cancelled, and JS values convert like JSON.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadLumen, assertLumenError, rejection, thrown, PKG_NODE } from '../lib/lumen.mjs';

const lumen = loadLumen();

/** Lines joined into a source text. */
const src = (...lines) => lines.map((l) => `${l}\n`).join('');

const OK_SOURCE = src('cell main() -> Int', '  40 + 2', 'end');

// Anything that escapes a promise or the event loop fails the whole file.
const escaped = [];
const onEscape = (e) => escaped.push(e);
before(() => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
after(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

/** Nothing escaped so far (checked at the end of every test that provokes faults). */
async function assertNothingEscaped() {
  // Let pending macrotasks (timers of abandoned tools, wasm-bindgen's queue) run.
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(escaped.map(String), [], 'an exception escaped to the process');
}

/** The instance works: check, compile and run give their normal results. */
async function assertHealthy() {
  assert.deepEqual(lumen.check(OK_SOURCE), []);
  assert.ok(lumen.compile(OK_SOURCE) instanceof Uint8Array);
  const r = await lumen.run(OK_SOURCE);
  assert.equal(r.value, 42);
  const again = await lumen.run(lumen.compile(OK_SOURCE));
  assert.equal(again.display, '42');
}

/** Asserts an internal LumenError that says the instance recovered. */
function assertInternal(err) {
  assertLumenError(lumen, err, { kind: 'internal', code: 'E0999' });
  assert.match(err.message, /trapped/);
  assert.match(err.message, /reset/);
  return err;
}

/** `1 + 1 + ... + 1` with n terms. */
const chain = (n) => src('cell main() -> Int', `  ${Array(n).fill('1').join(' + ')}`, 'end');

/** A value nested n lists deep, built in a Lumen loop. */
const DEEP = src(
  'cell main(n: Int) -> Json',
  '  let mut x: Json = []',
  '  for i in 0..n',
  '    x = [x]',
  '  end',
  '  x',
  'end',
);

describe('issue 10 item 4: a trap never poisons the instance', () => {
  for (const kind of ['trap', 'panic', 'overflow']) {
    test(`issue 10 item 4: an injected ${kind} in check() throws an internal LumenError, then everything works`, async () => {
      assert.equal(lumen.__lumenTestFault(kind), true);
      assertInternal(thrown(() => lumen.check(OK_SOURCE)));
      await assertHealthy();
      await assertNothingEscaped();
    });

    test(`issue 10 item 4: an injected ${kind} in compile() and run() fails that call only`, async () => {
      lumen.__lumenTestFault(kind);
      assertInternal(thrown(() => lumen.compile(OK_SOURCE)));
      await assertHealthy();
      lumen.__lumenTestFault(kind);
      assertInternal(await rejection(lumen.run(OK_SOURCE)));
      await assertHealthy();
      await assertNothingEscaped();
    });
  }

  test('issue 10 item 4: a fault in a run between slices rejects it and the next run works', async () => {
    const loop = src(
      'cell main() -> Int',
      '  let mut s = 0',
      '  for i in 0..3000000',
      '    s = s + 1',
      '  end',
      '  s',
      'end',
    );
    const pending = lumen.run(loop);
    // The first slice runs when the promise's task starts; arm the fault for a later one.
    await new Promise((r) => setImmediate(r));
    lumen.__lumenTestFault('overflow');
    const settled = await pending.then(
      (r) => ({ ok: r }),
      (e) => ({ err: e }),
    );
    // The run yields between slices, so the fault hits its next slice.
    assert.ok(settled.err, `the run finished before the fault: ${settled.ok?.display}`);
    assertInternal(settled.err);
    await assertHealthy();
    await assertNothingEscaped();
  });

  test('issue 10 item 4: long operator chains never poison the instance', async () => {
    for (const n of [2_000, 20_000, 100_000]) {
      const source = chain(n);
      let diags;
      try {
        diags = lumen.check(source);
      } catch (err) {
        assertLumenError(lumen, err, { allowInternal: true });
        assert.ok(['internal', 'compile'].includes(err.kind), err.kind);
      }
      if (diags !== undefined) assert.ok(Array.isArray(diags));
      await assertHealthy();
      const ran = await lumen.run(source).then(
        (r) => r,
        (e) => e,
      );
      if (ran instanceof Error) {
        assertLumenError(lumen, ran, { allowInternal: true });
      } else {
        assert.equal(ran.value, n);
      }
      await assertHealthy();
    }
    await assertNothingEscaped();
  });
});

test('issue 10 item 4: where code generation from strings is off (a strict CSP), the package works unguarded', () => {
  const script = `
    const l = require(${JSON.stringify(join(PKG_NODE, 'index.cjs'))});
    const ok = 'cell main() -> Int\\n  40 + 2\\nend\\n';
    if (l.check(ok).length !== 0) throw new Error('check failed');
    l.run(ok).then((r) => console.log('value', r.value), (e) => console.log('error', e.message));
  `;
  const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'value 42');
});

describe('issue 10 item 5: run() always settles', () => {
  for (const n of [10_000, 200_000]) {
    test(`issue 10 item 5: a value nested ${n} deep settles with a result or a LumenError`, async () => {
      const settled = await lumen.run(DEEP, { args: [n] }).then(
        (r) => ({ ok: r }),
        (e) => ({ err: e }),
      );
      if (settled.err) {
        assertLumenError(lumen, settled.err, { allowInternal: true });
      } else {
        let depth = 0;
        for (let v = settled.ok.value; Array.isArray(v) && v.length === 1; v = v[0]) depth++;
        assert.equal(depth, n, 'the whole value arrived');
      }
      await assertHealthy();
      await assertNothingEscaped();
    });
  }

  test('issue 10 item 5: a deep value passed to a tool and a deep tool result settle', async () => {
    const source = src(
      'use tool deep.echo as Echo',
      '',
      'cell main(n: Int) -> Json',
      '  let mut x: Json = []',
      '  for i in 0..n',
      '    x = [x]',
      '  end',
      '  Echo(value: x)',
      'end',
    );
    let deepResult = [];
    for (let i = 0; i < 100_000; i++) deepResult = [deepResult];
    for (const [n, answer] of [
      [5_000, (args) => args],
      [3, () => deepResult],
    ]) {
      const settled = await lumen
        .run(source, { args: [n], tools: { 'deep.echo': answer } })
        .then(
          (r) => ({ ok: r }),
          (e) => ({ err: e }),
        );
      if (settled.err) assertLumenError(lumen, settled.err, { allowInternal: true });
      await assertHealthy();
    }
    await assertNothingEscaped();
  });

  test('issue 10 item 5: a throwing tool, a throwing onPrint and a bad option all reject', async () => {
    const printing = src('cell main() -> Int', '  print("x")', '  1', 'end');
    const boom = new Error('onPrint broke');
    const err = await rejection(
      lumen.run(printing, {
        onPrint: () => {
          throw boom;
        },
      }),
    );
    assert.equal(err, boom);
    const bad = await rejection(lumen.run(OK_SOURCE, { signal: 42 }));
    assert.ok(bad instanceof TypeError);
    await assertHealthy();
    await assertNothingEscaped();
  });
});

describe('issue 10 item 6: standard tools with no grant never reach the JS function', () => {
  const cases = [
    ['fs.read', 'path: "/etc/shadow"', '`path` grant'],
    ['fs.write', 'path: "/etc/shadow", text: "x"', '`path` grant'],
    ['fs.list', 'path: "/etc"', '`path` grant'],
    ['http.get', 'url: "http://169.254.169.254/latest/meta-data/"', '`domain` grant'],
    ['http.post', 'url: "http://169.254.169.254/latest/api/token", body: "x"', '`domain` grant'],
  ];
  for (const [tool, args, grant] of cases) {
    test(`issue 10 item 6: ${tool} with no grant is E0907 and the JS function is never called`, async () => {
      let called = 0;
      const source = src('use tool ' + tool + ' as T', '', 'cell main() -> Json', `  T(${args})`, 'end');
      const err = await rejection(
        lumen.run(source, {
          tools: {
            [tool]: () => {
              called++;
              return { text: 'root:*:secret' };
            },
          },
        }),
      );
      assertLumenError(lumen, err, { kind: 'grant', code: 'E0907' });
      assert.ok(err.message.includes(grant), err.message);
      assert.ok(err.message.includes('requires'), err.message);
      assert.equal(called, 0, `${tool} reached JS without a grant`);
    });
  }
});

describe('issue 10 item 7: JS tools are bounded in time, get a context, and runs cancel', () => {
  const CALL = (grants) =>
    src(
      'use tool slow.op as Slow',
      ...grants,
      '',
      'cell main() -> String',
      '  let r = Slow(text: "a")',
      '  "got {r}"',
      'end',
    );
  const never = () => new Promise(() => {});

  test('issue 10 item 7: a timeout_ms grant bounds the tool promise (E0906 "timed out after N ms")', async () => {
    let seen;
    const started = Date.now();
    const err = await rejection(
      lumen.run(CALL(['grant Slow timeout_ms 50']), {
        tools: {
          'slow.op': (args, ctx) => {
            seen = ctx;
            return never();
          },
        },
      }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.match(err.message, /timed out after 50 ms/);
    assert.ok(Date.now() - started < 5_000, 'the timeout fired promptly');
    assert.equal(seen.timeoutMs, 50);
    assert.equal(seen.signal.aborted, true, 'the tool signal fired on the timeout');
  });

  test('issue 10 item 7: toolTimeoutMs bounds a never-resolving tool with no grant', async () => {
    const err = await rejection(
      lumen.run(CALL([]), { tools: { 'slow.op': never }, toolTimeoutMs: 40 }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.match(err.message, /timed out after 40 ms/);
    // The smaller of the grant and the host bound wins.
    const both = await rejection(
      lumen.run(CALL(['grant Slow timeout_ms 5000']), {
        tools: { 'slow.op': never },
        toolTimeoutMs: 25,
      }),
    );
    assert.match(both.message, /timed out after 25 ms/);
  });

  test('issue 10 item 7: the tool gets its call context (tool, alias, grants, timeoutMs, signal)', async () => {
    let seen;
    const r = await lumen.run(
      CALL(['grant Slow timeout_ms 900', 'grant Slow timeout_ms 700', 'grant Slow max_calls 2']),
      {
        tools: {
          'slow.op': async (args, ctx) => {
            seen = ctx;
            return { echoed: args.text };
          },
        },
      },
    );
    assert.equal(r.value, 'got {"echoed": "a"}');
    assert.equal(seen.tool, 'slow.op');
    assert.equal(seen.alias, 'Slow');
    assert.deepEqual(seen.grants, { timeout_ms: [900, 700], max_calls: [2] });
    assert.equal(seen.timeoutMs, 700);
    assert.ok(seen.signal instanceof AbortSignal);
    assert.equal(seen.signal.aborted, false);
    // Default host bound when the grant says nothing.
    await lumen.run(CALL([]), {
      tools: { 'slow.op': (a, ctx) => ((seen = ctx), {}) },
    });
    assert.equal(seen.timeoutMs, 30_000);
    await lumen.run(CALL([]), {
      tools: { 'slow.op': (a, ctx) => ((seen = ctx), {}) },
      toolTimeoutMs: 0,
    });
    assert.equal(seen.timeoutMs, null);
  });

  test('issue 10 item 7: aborting the signal cancels a pending tool call (E0915) and fires the tool signal', async () => {
    const controller = new AbortController();
    let toolSignal;
    const pending = lumen.run(CALL([]), {
      signal: controller.signal,
      tools: {
        'slow.op': (args, ctx) => {
          toolSignal = ctx.signal;
          setTimeout(() => controller.abort('user pressed stop'), 10);
          return never();
        },
      },
    });
    const err = await rejection(pending);
    assertLumenError(lumen, err, { kind: 'cancelled', code: 'E0915' });
    assert.match(err.message, /cancelled: user pressed stop/);
    assert.equal(toolSignal.aborted, true);
    await assertNothingEscaped();
  });

  test('issue 10 item 7: aborting the signal stops a runaway loop at the next slice', async () => {
    const controller = new AbortController();
    const runaway = src('cell main() -> Int', '  let mut i = 0', '  while true', '    i = i + 1', '  end', '  i', 'end');
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await rejection(lumen.run(runaway, { signal: controller.signal }));
    assertLumenError(lumen, err, { kind: 'cancelled', code: 'E0915' });
    assert.equal(err.message, 'the run was cancelled');
    assert.ok(Date.now() - started < 5_000);
    // An already aborted signal rejects at once.
    const early = await rejection(lumen.run(OK_SOURCE, { signal: AbortSignal.abort() }));
    assertLumenError(lumen, early, { kind: 'cancelled', code: 'E0915' });
    await assertHealthy();
  });
});

describe('issue 10 item 8: tool results convert like JSON, host callback errors surface', () => {
  const ECHO = src('use tool val.get as Get', '', 'cell main() -> Json', '  Get()', 'end');
  const returning = (v) => ({ tools: { 'val.get': () => v } });

  test('issue 10 item 8: a Date becomes its ISO string (toJSON), boxed primitives unwrap', async () => {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    const r = await lumen.run(ECHO, returning({ at: date, n: new Number(3), s: new String('x') }));
    assert.deepEqual(r.value, { at: '2026-01-02T03:04:05.000Z', n: 3, s: 'x' });
    const custom = await lumen.run(ECHO, returning({ toJSON: () => ({ custom: true }) }));
    assert.deepEqual(custom.value, { custom: true });
  });

  const unrepresentable = [
    ['a Map', () => ({ items: new Map([['a', 1]]) }), /a Map.*\$\.items/],
    ['a Set', () => [1, new Set([1])], /a Set.*\$\[1\]/],
    ['a BigInt beyond 64 bits', () => ({ big: 2n ** 70n }), /BigInt.*\$\.big/],
    ['a function', () => ({ f: () => 1 }), /function.*\$\.f/],
    [
      'a cycle',
      () => {
        const o = { name: 'loop' };
        o.self = o;
        return o;
      },
      /cyclic.*\$\.self/,
    ],
    ['a RegExp', () => ({ re: /x/ }), /RegExp/],
    ['a Promise inside a value', () => ({ p: Promise.resolve(1) }), /Promise/],
  ];
  for (const [what, make, pattern] of unrepresentable) {
    test(`issue 10 item 8: ${what} in a tool result is an E0906 naming it`, async () => {
      const err = await rejection(lumen.run(ECHO, { tools: { 'val.get': make } }));
      assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
      assert.match(err.message, /not JSON/);
      assert.match(err.message, pattern);
    });
  }

  test('issue 10 item 8: a throwing getter is an E0906 with its message', async () => {
    const value = {
      ok: 1,
      get secret() {
        throw new Error('getter exploded');
      },
    };
    const err = await rejection(lumen.run(ECHO, returning(value)));
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.match(err.message, /getter exploded/);
    assert.match(err.message, /\$\.secret/);
  });

  test('issue 10 item 8: an exception thrown by onPrint rejects run() with it', async () => {
    const printing = src('cell main() -> Int', '  print("one")', '  print("two")', '  2', 'end');
    const lines = [];
    const boom = new TypeError('display is gone');
    const err = await rejection(
      lumen.run(printing, {
        onPrint: (line) => {
          lines.push(line);
          throw boom;
        },
      }),
    );
    assert.equal(err, boom);
    assert.deepEqual(lines, ['one']);
    await assertHealthy();
  });

  test('issue 10 item 8: JSON object key order is kept from JS to Lumen and back', async () => {
    const value = { zebra: 1, apple: 2, mango: { y: 1, b: 2, k: 3 } };
    const r = await lumen.run(ECHO, returning(value));
    assert.deepEqual(Object.keys(r.value), ['zebra', 'apple', 'mango']);
    assert.deepEqual(Object.keys(r.value.mango), ['y', 'b', 'k']);
    // Through the program: arguments to a tool keep their order too.
    const source = src(
      'use tool val.get as Get',
      'use tool val.keys as Keys',
      '',
      'cell main() -> Json',
      '  Keys(value: Get())',
      'end',
    );
    const seen = await lumen.run(source, {
      tools: { 'val.get': () => value, 'val.keys': ({ value: v }) => Object.keys(v) },
    });
    assert.deepEqual(seen.value, ['zebra', 'apple', 'mango']);
  });

  test('issue 10 item 8: undefined, NaN and Infinity follow JSON.stringify', async () => {
    const r = await lumen.run(ECHO, returning({ a: undefined, b: [undefined, NaN, Infinity], c: 1 }));
    assert.deepEqual(r.value, { b: [null, null, null], c: 1 });
  });
});
