// The mock tools script: JavaScript text evaluating to an object of tool functions
// (`{"http.get": async ({url}) => ({status: 200, body: "hi"})}`), passed as `run`'s `tools`.

/**
 * Evaluates `text` as one JavaScript expression. Resolves to `{tools}` (an object whose
 * every value is a function), or `{error}` (a message) when the text does not parse, throws,
 * or is not such an object. Never throws itself.
 */
export function evaluateMocks(text) {
  if (text.trim() === '') return { tools: {} };
  let value;
  try {
    // The user's own code, run in the page on purpose (what a playground is for); strict
    // mode and an expression context, so a statement list is a syntax error.
    value = new Function(`"use strict";\nreturn (\n${text}\n);`)();
  } catch (e) {
    return { error: `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `the mock tools script must evaluate to an object of functions, not ${describe(value)}` };
  }
  for (const [name, f] of Object.entries(value)) {
    if (typeof f !== 'function') {
      return { error: `mock tool "${name}" is ${describe(f)}, not a function` };
    }
  }
  return { tools: value };
}

function describe(v) {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
