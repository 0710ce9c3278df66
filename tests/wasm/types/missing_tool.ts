// Misuse: the program declares llm.chat and text.shout; only one is given.
// Expected: error TS2741 (property "llm.chat" is missing).
import { loud } from './app.mjs';

export const shouted = loud('hi', {
  tools: {
    'text.shout': ({ text }) => String(text).toUpperCase(),
  },
});
