// Misuse: llm.chat is declared `-> String`, this implementation returns a number.
// Expected: error TS2322.
import { summarize } from './app.mjs';

export const summary = summarize('text', 3, {
  tools: {
    'llm.chat': () => 42,
    'text.shout': ({ text }) => String(text).toUpperCase(),
  },
});
