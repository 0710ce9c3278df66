// The CommonJS declarations (app.d.cts) used correctly from CommonJS TypeScript:
// `tsc --noEmit --strict --module nodenext` passes (typed_exports.test.mjs).
import app = require('./app.cjs');

const tools: app.Tools = {
  'llm.chat': ({ prompt, max_tokens }) => `${prompt} ${max_tokens}`,
  'text.shout': ({ text }) => String(text),
};

export async function main(): Promise<void> {
  const p: app.Point = await app.shift({ x: 1, y: 2 }, 1, { tools });
  const shapes: app.Shape[] = await app.shapes(1, { tools });
  try {
    await app.fail(0, { tools });
  } catch (e) {
    if (e instanceof app.LumenError) {
      const code: string = e.code;
      void code;
    }
  }
  void [p, shapes];
}
