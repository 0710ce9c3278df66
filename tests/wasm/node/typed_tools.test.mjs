// Issue 11 item 4 in the JavaScript host: a typed tool's JS function receives every
// parameter by name (defaults filled in), and its result is checked against the declared
// type by the same VM code as on the native runtime (E0906, kind `tool`).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadLumen, assertLumenError, rejection } from '../lib/lumen.mjs';

const lumen = loadLumen();

/** Lines joined into a source text (each line ends with "\n"). */
const src = (...lines) => lines.map((l) => `${l}\n`).join('');

const PROGRAM = src(
  'record Person',
  '  name: String',
  '  age: Int',
  'end',
  'use tool llm.chat as Chat(prompt: String, max_tokens: Int = 256) -> String',
  'use tool db.people as People(limit: Int) -> list[Person]',
  'cell main() -> Int',
  '  print(Chat("hi") ++ "!")',
  '  let ps = People(limit: 2)',
  '  for p in ps',
  '    print("{p.name} {p.age} {type_of(p)}")',
  '  end',
  '  len(ps)',
  'end',
);

/** Runs PROGRAM with the given JS answers; records the arguments each tool saw. */
function run(chat, people) {
  const calls = [];
  const printed = [];
  const result = lumen.run(PROGRAM, {
    filename: 'typed.lm',
    tools: {
      'llm.chat': async (args) => {
        calls.push(['llm.chat', args]);
        return chat;
      },
      'db.people': (args) => {
        calls.push(['db.people', args]);
        return people;
      },
    },
    onPrint: (l) => printed.push(l),
  });
  return { result, calls, printed };
}

describe('typed tools', () => {
  test('issue 11 item 4: arguments by name with defaults, and a typed record result', async () => {
    const { result, calls, printed } = run('hello', [
      { name: 'Ann', age: 31, extra: true },
      { name: 'Bo', age: 7 },
    ]);
    const r = await result;
    assert.equal(r.value, 2);
    assert.deepEqual(printed, ['hello!', 'Ann 31 Person', 'Bo 7 Person']);
    assert.deepEqual(calls, [
      ['llm.chat', { prompt: 'hi', max_tokens: 256 }],
      ['db.people', { limit: 2 }],
    ]);
  });

  test('issue 11 item 4: a JS tool returning the wrong type is a tool error', async () => {
    const { result, printed } = run(42, []);
    const err = await rejection(result);
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.equal(err.message, 'tool llm.chat returned a number (42), expected String');
    assert.equal(err.line, 8);
    assert.deepEqual(printed, []);
  });

  test('issue 11 item 4: a nested mismatch in list[Person] names its place', async () => {
    const { result, printed } = run('x', [{ name: 'Ann', age: 31 }, { name: 'Bo', age: 'seven' }]);
    const err = await rejection(result);
    assertLumenError(lumen, err, { kind: 'tool', code: 'E0906' });
    assert.equal(err.message, 'tool db.people returned a string ("seven") at $[1].age, expected Int');
    assert.equal(err.line, 9);
    assert.deepEqual(printed, ['x!']);
  });
});
