// Diagnostics from the package's `check()` as CodeMirror lint diagnostics (squiggles at the
// diagnostic's line and column) and as the list under the editor.

import { offsetOf } from './position.js';

/** Characters that continue the word a diagnostic starts at (its squiggle's extent). */
const WORD = /[\p{L}\p{N}_]/u;

/** CodeMirror severities for Lumen's (`error`, `warning`; anything else is `info`). */
function severityOf(s) {
  return s === 'error' || s === 'warning' ? s : 'info';
}

/**
 * The range a diagnostic underlines: from its line:column to the end of the word there
 * (one character when no word starts there, nothing at the end of a line).
 */
export function rangeOf(doc, d) {
  const from = offsetOf(doc, d.line, d.column);
  const line = doc.lineAt(from);
  let to = from;
  while (to < line.to && WORD.test(doc.sliceString(to, to + 1))) to += 1;
  if (to === from && from < line.to) to = from + 1;
  return { from, to };
}

/** `check()`'s diagnostics as `@codemirror/lint` diagnostics for the document `doc`. */
export function toLint(doc, diagnostics) {
  return diagnostics.map((d) => ({
    ...rangeOf(doc, d),
    severity: severityOf(d.severity),
    source: d.code,
    message: d.message,
  }));
}

/**
 * Fills the list `ul` with one `<li>` per diagnostic: `file:line:column severity[code]:
 * message`, with `data-code`, `data-line`, `data-column` and the severity as its class.
 * Clicking an item calls `onPick(line, column)`.
 */
export function renderList(ul, diagnostics, onPick) {
  ul.replaceChildren(
    ...diagnostics.map((d) => {
      const li = document.createElement('li');
      li.className = d.severity;
      li.dataset.code = d.code;
      li.dataset.line = String(d.line);
      li.dataset.column = String(d.column);
      li.tabIndex = 0;
      li.textContent = `${d.file}:${d.line}:${d.column} ${d.severity}[${d.code}]: ${d.message}`;
      const pick = () => onPick(d.line, d.column);
      li.addEventListener('click', pick);
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') pick();
      });
      return li;
    }),
  );
}
