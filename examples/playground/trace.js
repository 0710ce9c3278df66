// The Lumen stack trace of a run-time error, as clickable frames.

/**
 * The frames of a `LumenError`, innermost first, each `{cell, file, line, column}`
 * (`cell` null and `column` 0 when unknown). Uses `err.frames` when the package gives it;
 * otherwise (packages before frames) one frame from `err.line` / `err.file`; none when the
 * error has no line. The one place that knows the error's shape.
 */
export function framesOf(err) {
  if (Array.isArray(err?.frames) && err.frames.length > 0) {
    return err.frames.map((f) => ({
      cell: typeof f?.cell === 'string' ? f.cell : null,
      file: typeof f?.file === 'string' ? f.file : null,
      line: Number(f?.line) || 0,
      column: Number(f?.column) || 0,
    }));
  }
  if (Number(err?.line) > 0) {
    return [{ cell: null, file: typeof err.file === 'string' ? err.file : null, line: Number(err.line), column: 0 }];
  }
  return [];
}

/** A frame as text: `at CELL (FILE:LINE:COLUMN)`, leaving out what is unknown. */
export function frameText(f) {
  const where = [f.file ?? '?', f.line, ...(f.column > 0 ? [f.column] : [])].join(':');
  return f.cell ? `at ${f.cell} (${where})` : `at ${where}`;
}

/**
 * Fills the list `ol` with one button per frame of `frames`; a frame in `file` (the
 * editor's file) calls `onPick(line, column)` when clicked (column 1 when unknown), a frame
 * in another file is shown disabled.
 */
export function renderTrace(ol, frames, file, onPick) {
  ol.replaceChildren(
    ...frames.map((f) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'frame';
      button.textContent = frameText(f);
      button.dataset.line = String(f.line);
      button.dataset.column = String(f.column);
      if (f.file !== null && f.file !== file) {
        button.disabled = true;
        button.title = `${f.file} is not in the editor`;
      } else {
        button.addEventListener('click', () => onPick(f.line, f.column > 0 ? f.column : 1));
      }
      li.append(button);
      return li;
    }),
  );
}
