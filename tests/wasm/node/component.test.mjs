// A Lumen program component in Node.js through jco (issue 12 item 3): the component of
// tests/wasm/types/app.lm.md (`lumen build --target wasm --wasm-target component`),
// transpiled by `jco transpile` and instantiated once in this process with
// @bytecodealliance/preview2-shim (lib/component.mjs). Its tools are JS functions; its
// exports are called with typed values, as jco maps WIT to JavaScript (s64 ↔ BigInt,
// records ↔ objects with camelCase fields, variants ↔ {tag, val}, option ↔ value or
// undefined, result<T, E> ↔ T or a thrown ComponentError whose `payload` is E).
//
// Every export's result is `result<T, lumen-error>` (decision 38 of docs/LANGUAGE.md): a
// Lumen run-time error is a thrown ComponentError carrying the lumen-error record, and the
// instance stays usable. One instance serves every test below.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { instantiateComponent, programComponent, transpileComponent } from '../lib/component.mjs';

/** What the JS tools saw: `[name, args...]` per call. */
const calls = [];

/** The program's tool imports, as JS functions (jco: kebab-case → camelCase). */
const tools = {
  llm: {
    chat(prompt, maxTokens) {
      calls.push(['llm.chat', prompt, maxTokens]);
      return `summary of ${prompt.length} chars (max ${maxTokens})`;
    },
  },
  host: {
    // The generic import of untyped tools: JSON text in, JSON text (or a thrown error
    // value: the `err` case) out.
    call(name, args) {
      calls.push([name, args]);
      if (name !== 'text.shout') throw `no tool ${name}`;
      const { text } = JSON.parse(args);
      if (text === 'boom') throw 'the service is down';
      return JSON.stringify({ text: text.toUpperCase() });
    },
  },
};

let component;
let transpiled;
let lumen;

before(async () => {
  component = programComponent();
  transpiled = await transpileComponent(component.wasm);
  lumen = await instantiateComponent(transpiled.outDir, tools);
});

after(() => {
  transpiled?.dispose();
  component?.dispose();
});

/** Calls `f` and returns the ComponentError it throws. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('expected a thrown ComponentError');
}

test('issue 12 item 3: the program component transpiles and instantiates with JS tools', () => {
  const size = statSync(component.wasm).size;
  const gz = gzipSync(readFileSync(component.wasm), { level: 9 }).length;
  console.log(`# component ${size} B raw, ${gz} B gzip; jco transpile ${transpiled.ms.toFixed(0)} ms`);
  assert.ok(transpiled.files.includes('lumen.js'), transpiled.files.join(', '));
  for (const name of ['shift', 'area', 'shapes', 'divide', 'unwrap', 'total', 'pair', 'big',
    'summarize', 'loud', 'loudTwice', 'fail', 'spin', 'delete']) {
    assert.equal(typeof lumen.exports[name], 'function', name);
  }
});

test('issue 12 item 3: records, enums and lists cross as typed JS values', () => {
  assert.deepEqual(lumen.exports.shift({ x: 1n, y: 2.5 }, 3n), { x: 4n, y: 2.5 });
  assert.equal(lumen.exports.area({ tag: 'circle', val: { radius: 2 } }), 12);
  assert.equal(lumen.exports.area({ tag: 'rect', val: { w: 2, h: 4.5 } }), 9);
  assert.equal(lumen.exports.area({ tag: 'square', val: 3 }), 9);
  assert.equal(lumen.exports.area({ tag: 'empty' }), 0);
  assert.deepEqual(lumen.exports.shapes(3n), [
    { tag: 'circle', val: { radius: 3 } },
    { tag: 'square', val: 2 },
    { tag: 'empty' },
  ]);
  assert.deepEqual(lumen.exports.pair([7n, 'x']), ['x', 7n]);
  assert.equal(lumen.exports.big(5n), 5_000_000_000n);
});

test('issue 12 item 3: results, maps and options cross as jco maps them', () => {
  // The cell's own result[Int, String] inside the lumen-error wrapper: returned, not thrown.
  assert.deepEqual(lumen.exports.divide(7n, 2n), { tag: 'ok', val: 3n });
  assert.deepEqual(lumen.exports.divide(7n, 0n), { tag: 'err', val: 'division by zero' });
  assert.equal(lumen.exports.unwrap({ tag: 'ok', val: 9n }), 9n);
  assert.equal(lumen.exports.unwrap({ tag: 'err', val: 'no' }), -1n);
  // map[String, Float] is list<tuple<string, f64>>; String? is a value or undefined.
  assert.equal(lumen.exports.total([1n, 2n], [['a', 0.5], ['b', 1]], 'sum'), 'sum: 4.5');
  assert.equal(lumen.exports.total([], [], undefined), 'total: 0.0');
});

test('issue 12 item 3: typed and untyped tools are JS functions', () => {
  calls.length = 0;
  // A typed tool (llm.chat) with the parameter default the compiler filled in.
  assert.equal(lumen.exports.summarize('abcdef', 3n), 'summary of 28 chars (max 16)');
  assert.deepEqual(calls, [['llm.chat', 'summarize in 3 words: abcdef', 16n]]);
  // An untyped tool through host.call: JSON in, JSON out.
  calls.length = 0;
  assert.equal(lumen.exports.loud('hey'), JSON.stringify({ text: 'HEY' }));
  assert.deepEqual(calls, [['text.shout', JSON.stringify({ text: 'hey' })]]);
});

test('issue 12 item 3: a grant-denied tool call never reaches the JS function', () => {
  calls.length = 0;
  const e = thrown(() => lumen.exports.loudTwice('a'));
  assert.equal(e.constructor.name, 'ComponentError');
  assert.equal(e.payload.code, 'E0907');
  assert.match(e.payload.message, /max_calls/);
  assert.equal(calls.length, 1, 'the second call stopped inside the component');
});

test('issue 12 item 3: a Lumen error is a thrown ComponentError and the next call works', () => {
  const e = thrown(() => lumen.exports.fail(0n));
  assert.equal(e.constructor.name, 'ComponentError');
  assert.deepEqual(Object.keys(e.payload).sort(), ['code', 'message', 'trace']);
  assert.equal(e.payload.code, 'E0902');
  assert.equal(e.payload.message, 'division by zero');
  assert.equal(e.payload.trace.length, 1);
  assert.match(e.payload.trace[0], /^fail \((tests\/wasm\/types\/)?app\.lm\.md:88:3\)$/);
  // The same instance, entered again: no trap happened.
  assert.equal(lumen.exports.fail(5n), 2n);
  // A JS tool's thrown error value is the tool's failure (E0906), also a value.
  const bad = thrown(() => lumen.exports.loud('boom'));
  assert.equal(bad.payload.code, 'E0906');
  assert.match(bad.payload.message, /the service is down/);
  assert.deepEqual(lumen.exports.shift({ x: 0n, y: 0 }, 1n), { x: 1n, y: 0 });
});

test('issue 12 item 3: 10,000 calls do not grow the instance memory', () => {
  // Warm up (the first calls size the allocator), then measure.
  for (let i = 0; i < 200; i++) lumen.exports.pair([BigInt(i), 'warm']);
  const before = lumen.memoryBytes();
  for (let i = 0; i < 10_000; i++) {
    const [s, n] = lumen.exports.pair([BigInt(i), `s${i}`]);
    if (s !== `s${i}` || n !== BigInt(i)) assert.fail(`call ${i}: ${s} ${n}`);
    if (i % 1000 === 0) thrown(() => lumen.exports.fail(0n));
  }
  const afterBytes = lumen.memoryBytes();
  console.log(`# linear memory ${before} B before, ${afterBytes} B after 10,000 calls`);
  assert.equal(afterBytes, before);
});
