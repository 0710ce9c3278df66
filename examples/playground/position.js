// Lumen positions (1-based line, 1-based column counted in characters, i.e. Unicode code
// points, as the compiler's diagnostics and the VM's frames give them) to CodeMirror
// document offsets (UTF-16 code units) and back.

/**
 * The UTF-16 offset within `text` (one line) of the 1-based character `column`, clamped to
 * the line: a column past the end is the end of the line, 0 or less its start.
 */
export function columnOffset(text, column) {
  let offset = 0;
  let chars = 1;
  for (const ch of text) {
    if (chars >= column) break;
    offset += ch.length;
    chars += 1;
  }
  return offset;
}

/** The document offset of `line`:`column` (both 1-based; clamped into the document). */
export function offsetOf(doc, line, column) {
  const n = Math.min(Math.max(1, Math.trunc(Number(line)) || 1), doc.lines);
  const l = doc.line(n);
  return l.from + columnOffset(l.text, Math.trunc(Number(column)) || 1);
}

/** The 1-based `{line, column}` (column in characters) of document offset `pos`. */
export function lineColumnOf(doc, pos) {
  const l = doc.lineAt(pos);
  return { line: l.number, column: [...l.text.slice(0, pos - l.from)].length + 1 };
}
