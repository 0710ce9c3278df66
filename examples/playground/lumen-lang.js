// Syntax highlighting for Lumen source in CodeMirror: a small stream tokenizer (keywords,
// types, strings with `{…}` interpolation, numbers, `#` comments). Highlighting only; the
// package's `check()` is what understands the program.

import { StreamLanguage } from '@codemirror/language';

/** Lumen's keywords (`rust/lumen-compiler/src/token.rs`). */
const KEYWORDS = new Set(
  ('cell pub record enum end let mut if then else while for in loop break continue return ' +
    'match when fn use tool as grant import const where and or not is').split(' '),
);

/** Literal keywords. */
const ATOMS = new Set(['true', 'false', 'null']);

function tokenString(stream, state) {
  while (!stream.eol()) {
    const ch = stream.next();
    if (ch === '\\') {
      stream.next();
    } else if (ch === '"') {
      state.inString = false;
      return 'string';
    } else if (ch === '{') {
      if (stream.current() === '{') {
        state.inString = false;
        state.interpolation = 1;
        return 'punctuation';
      }
      stream.backUp(1);
      return 'string';
    }
  }
  return 'string';
}

/** The Lumen language for CodeMirror. */
export const lumenLanguage = StreamLanguage.define({
  name: 'lumen',
  startState: () => ({ inString: false, interpolation: 0 }),
  token(stream, state) {
    if (state.inString) return tokenString(stream, state);
    if (stream.eatSpace()) return null;
    if (state.interpolation > 0) {
      if (stream.peek() === '}') {
        stream.next();
        state.interpolation -= 1;
        if (state.interpolation === 0) state.inString = true;
        return 'punctuation';
      }
      if (stream.peek() === '{') state.interpolation += 1;
    }
    if (stream.peek() === '#') {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.eat('"')) {
      state.inString = true;
      return tokenString(stream, state);
    }
    if (stream.match(/^\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?/)) return 'number';
    if (stream.match(/^[\p{L}_][\p{L}\p{N}_]*/u)) {
      const word = stream.current();
      if (KEYWORDS.has(word)) return 'keyword';
      if (ATOMS.has(word)) return 'atom';
      if (/^\p{Lu}/u.test(word)) return 'typeName';
      return stream.peek() === '(' ? 'variableName.function' : 'variableName';
    }
    if (stream.match(/^(->|=>|\.\.=?|[-+*/%=<>!]=?|\/\/|\|\||&&|\?)/)) return 'operator';
    stream.next();
    return 'punctuation';
  },
  languageData: { commentTokens: { line: '#' } },
});
