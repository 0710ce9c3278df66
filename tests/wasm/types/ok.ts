// Uses the generated declarations of app.lm.md correctly: `tsc --noEmit --strict` passes
// (tests/wasm/node/typed_exports.test.mjs, issue 11 item 3).
import {
  shift,
  area,
  shapes,
  divide,
  unwrap,
  total,
  pair,
  big,
  summarize,
  loud,
  fail,
  spin,
  delete_,
  greet,
  init,
  LumenError,
} from './app.mjs';
import type { Point, Shape, Tools, Options, JsonValue, ToolCallContext, InitInput } from './app.mjs';

const tools: Tools = {
  'llm.chat': async ({ prompt, max_tokens }, context: ToolCallContext) =>
    `${context.tool}: ${prompt.length} ${max_tokens}`,
  'text.shout': ({ text }) => String(text).toUpperCase(),
};

const options: Options = {
  tools,
  onPrint: (line: string) => void line,
  fuel: 1_000_000,
  maxDepth: 100,
  signal: new AbortController().signal,
  toolTimeoutMs: 1000,
};

export async function main(): Promise<void> {
  // The runtime's init, re-exported: needed only for custom loading.
  const source: InitInput | undefined = undefined;
  const ready: Promise<void> = init(source);
  await ready;
  const g: string = await greet({ x: 1, y: 2 }, 'plain', options);
  void g;
  const p: Point = await shift({ x: 1, y: 2.5 }, 3n, options);
  const x: number | bigint = p.x;
  const y: number = p.y;
  const a: number = await area({ Circle: { radius: 1 } }, options);
  await area('Empty', options);
  await area({ Square: [2] }, options);
  await area({ Rect: { w: 1, h: 2 } }, options);
  const all: Shape[] = await shapes(2, options);
  for (const s of all) {
    if (typeof s === 'string') {
      const empty: 'Empty' = s;
      void empty;
    } else if ('Circle' in s) {
      const r: number = s.Circle.radius;
      void r;
    }
  }
  const r = await divide(7, 2, options);
  if ('ok' in r) {
    const v: number | bigint = r.ok;
    void v;
  } else {
    const m: string = r.err;
    void m;
  }
  await unwrap({ ok: 1 }, options);
  await unwrap({ err: 'no' }, options);
  const t: string = await total([1, 2n], { a: 0.5 }, null, options);
  await total([], {}, 'label', options);
  const swapped: [string, number | bigint] = await pair([1, 'a'], options);
  const b: number | bigint = await big(10, options);
  const s: string = await summarize('some text', 3, options);
  const j: JsonValue = await loud('hi', { tools });
  const d: number | bigint = await delete_(1, { tools });
  try {
    await fail(0, options);
    await spin(10, { ...options, fuel: 5 });
  } catch (e) {
    if (e instanceof LumenError) {
      const kind: string = e.kind;
      const code: string = e.code;
      void [kind, code];
    }
  }
  void [x, y, a, t, swapped, b, s, j, d];
}
