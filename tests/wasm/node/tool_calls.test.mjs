// Issue 13 point 4: JS tool calls across the boundary. A tool that returns a plain value is
// answered at once (no promise turn) and plain data crosses as JSON text; each case here
// checks that this gives exactly what the general path (an async tool) gives.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadLumen, assertLumenError, rejection } from '../lib/lumen.mjs';

const lumen = loadLumen();

/** Lines joined into a source text. */
const src = (...lines) => lines.map((l) => `${l}\n`).join('');

/** Calls `Op(text: "a")` once and shows the result. */
const ONCE = src('use tool t.op as Op', '', 'cell main() -> String', '  let r = Op(text: "a")', '  "got {r}"', 'end');

/** Calls `Op(i: i)` n times and joins the results. */
const LOOP = (n) =>
  src(
    'use tool t.op as Op',
    `grant Op max_calls ${n}`,
    '',
    'cell main() -> String',
    '  let mut out = ""',
    '  let mut i = 0',
    `  while i < ${n}`,
    '    let r = Op(i: i)',
    '    out = "{out}{r}|"',
    '    i = i + 1',
    '  end',
    '  out',
    'end',
  );

/** What a run ended with: its value, or the error's code and message. */
async function outcome(source, tools, extra = {}) {
  try {
    const r = await lumen.run(source, { tools, ...extra });
    return { value: r.value };
  } catch (e) {
    return { code: e.code, message: e.message };
  }
}

/** The outcome of ONCE with a tool that returns `make()`, synchronously and from an async function. */
async function bothWays(make) {
  const sync = await outcome(ONCE, { 't.op': () => make() });
  const later = await outcome(ONCE, { 't.op': async () => make() });
  return { sync, later };
}

class Point {
  constructor() {
    this.x = 1;
  }
}

const RESULTS = {
  'a plain object': () => ({ text: 'A', n: 3, ok: true, none: null }),
  'nested arrays and objects': () => ({ a: [1, [2, { b: 'c' }]], e: {} }),
  'undefined properties and array holes': () => ({ a: undefined, b: [undefined, , 2] }), // eslint-disable-line no-sparse-arrays
  undefined: () => undefined,
  null: () => null,
  'a string': () => 'plain',
  'a float': () => 1.5,
  'a tiny float': () => 1e-7,
  'an integer beyond 2^53': () => 2 ** 60,
  'NaN and Infinity': () => [NaN, Infinity, -0],
  'a BigInt': () => 5n,
  'a Date (toJSON)': () => ({ at: new Date(0) }),
  'an object with toJSON': () => ({ toJSON: () => ({ replaced: true }) }),
  'a getter': () => ({ get g() { return 'got'; } }),
  'a null-prototype object': () => Object.assign(Object.create(null), { k: 'v' }),
  'a class instance': () => new Point(),
  'a boxed string': () => ({ s: new String('boxed') }),
  'a typed array': () => new Uint8Array([1, 2]),
  'a lone surrogate': () => ({ s: '\ud800x' }),
  'a non-identifier key': () => ({ 'odd key': 1, 2: 'two' }),
  'a Map (not JSON)': () => new Map([[1, 2]]),
  'a function (not JSON)': () => ({ f() {} }),
  'a cycle (not JSON)': () => {
    const o = { a: 1 };
    o.self = o;
    return o;
  },
  'deep nesting (100 levels)': () => {
    let v = 'leaf';
    for (let i = 0; i < 100; i++) v = [v];
    return v;
  },
};

describe('issue 13: a tool returning a plain value gets the same result as an async tool', () => {
  for (const [name, make] of Object.entries(RESULTS)) {
    test(`issue 13: ${name}`, async () => {
      const { sync, later } = await bothWays(make);
      assert.deepEqual(sync, later);
    });
  }

  test('issue 13: the results themselves (not only the same both ways)', async () => {
    const plain = await bothWays(RESULTS['a plain object']);
    assert.equal(plain.sync.value, 'got {"text": "A", "n": 3, "ok": true, "none": null}');
    const holes = await bothWays(RESULTS['undefined properties and array holes']);
    assert.equal(holes.sync.value, 'got {"b": [null, null, 2]}');
    const map = await bothWays(RESULTS['a Map (not JSON)']);
    assert.equal(map.sync.code, 'E0906');
    assert.match(map.sync.message, /not JSON: a Map/);
    const big = await bothWays(RESULTS['an integer beyond 2^53']);
    assert.match(big.sync.value, /^got 1\.152921504606847e\+?18$/);
  });
});

describe('issue 13: the synchronous fast path keeps every rule of a tool call', () => {
  test('issue 13: a sync tool that throws fails the call (E0906) and the next run works', async () => {
    const err = await rejection(
      lumen.run(ONCE, {
        tools: {
          't.op': () => {
            throw new Error('disk on fire');
          },
        },
      }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.match(err.message, /tool Op \(t\.op\) failed: disk on fire/);
    const ok = await lumen.run(ONCE, { tools: { 't.op': () => 'fine' } });
    assert.equal(ok.value, 'got fine');
  });

  test('issue 13: a throwing then-getter fails the call like a rejected promise', async () => {
    const evil = () => ({
      get then() {
        throw new Error('then exploded');
      },
    });
    const err = await rejection(lumen.run(ONCE, { tools: { 't.op': evil } }));
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.match(err.message, /then exploded/);
  });

  test('issue 13: a sync tool that aborts the run signal ends the run as cancelled (E0915)', async () => {
    const controller = new AbortController();
    let calls = 0;
    const err = await rejection(
      lumen.run(LOOP(5), {
        signal: controller.signal,
        tools: {
          't.op': () => {
            calls += 1;
            controller.abort('stop now');
            return 'x';
          },
        },
      }),
    );
    assertLumenError(lumen, err, { kind: 'cancelled', code: 'E0915' });
    assert.match(err.message, /stop now/);
    assert.equal(calls, 1, 'no call after the abort');
  });

  test('issue 13: sync and async results mixed in one run, in order, with the right context', async () => {
    const seen = [];
    const r = await lumen.run(LOOP(6), {
      tools: {
        't.op': ({ i }, ctx) => {
          seen.push(ctx);
          return i % 2 === 0 ? { i } : Promise.resolve({ later: i });
        },
      },
    });
    assert.equal(
      r.value,
      '{"i": 0}|{"later": 1}|{"i": 2}|{"later": 3}|{"i": 4}|{"later": 5}|',
    );
    assert.equal(seen.length, 6);
    for (const ctx of seen) {
      assert.equal(ctx.tool, 't.op');
      assert.equal(ctx.alias, 'Op');
      assert.deepEqual(ctx.grants, { max_calls: [6] });
      assert.ok(Object.isFrozen(ctx.grants) && Object.isFrozen(ctx.grants.max_calls));
      assert.equal(ctx.timeoutMs, 30_000);
      assert.ok(ctx.signal instanceof AbortSignal);
      assert.equal(ctx.signal.aborted, false);
    }
    // An async call owns its signal: the next call gets another one.
    assert.notEqual(seen[1].signal, seen[2].signal);
  });

  test('issue 13: a timeout aborts only the pending call\'s signal; a sync call after an async failure works', async () => {
    const seen = [];
    const err = await rejection(
      lumen.run(LOOP(3).replace('grant Op max_calls 3', 'grant Op max_calls 3\ngrant Op timeout_ms 30'), {
        tools: {
          't.op': ({ i }, ctx) => {
            seen.push(ctx.signal);
            return i < 2 ? i : new Promise(() => {});
          },
        },
      }),
    );
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.match(err.message, /timed out after 30 ms/);
    assert.equal(seen.length, 3);
    assert.equal(seen[2].aborted, true, 'the pending call was told to stop');
    const ok = await lumen.run(ONCE, { tools: { 't.op': () => 'after' } });
    assert.equal(ok.value, 'got after');
  });

  test('issue 13: arguments beyond 2^53 still arrive as BigInt, safe ones as numbers', async () => {
    const got = [];
    const source = src(
      'use tool t.op as Op',
      '',
      'cell main() -> Int',
      '  let a = Op(n: 9007199254740993)',
      '  let b = Op(n: 42)',
      '  0',
      'end',
    );
    await lumen.run(source, { tools: { 't.op': ({ n }) => (got.push(n), null) } });
    assert.deepEqual(got, [9007199254740993n, 42]);
  });

  test('issue 13: a long run of slow sync calls still lets the event loop run', async () => {
    let fired = 0;
    let firedAtCall = -1;
    let calls = 0;
    const timer = setTimeout(() => {
      fired += 1;
      firedAtCall = calls;
    }, 0);
    const r = await lumen.run(LOOP(40), {
      tools: {
        't.op': () => {
          calls += 1;
          const until = Date.now() + 2;
          while (Date.now() < until);
          return 1;
        },
      },
    });
    clearTimeout(timer);
    assert.equal(r.value, '1|'.repeat(40));
    assert.equal(fired, 1);
    assert.ok(firedAtCall < 40, `the timer fired during the run (after call ${firedAtCall})`);
  });

  test('issue 13: fuel limits still stop a run that calls sync tools', async () => {
    const err = await rejection(lumen.run(LOOP(1000), { fuel: 2000, tools: { 't.op': () => 1 } }));
    assertLumenError(lumen, err, { kind: 'limit', code: 'E0910' });
  });
});
