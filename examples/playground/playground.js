// The Lumen playground: a CodeMirror 6 editor with live diagnostics from `check()`, Run and
// Stop (an AbortController per run), streamed output, run-time errors with their Lumen stack
// trace as clickable frames, example programs and editable mock tools. See README.md.

import { EditorView, basicSetup } from 'codemirror';
import { keymap } from '@codemirror/view';
import { Prec } from '@codemirror/state';
import { linter, lintGutter } from '@codemirror/lint';
import { javascript } from '@codemirror/lang-javascript';
import { lumenLanguage } from './lumen-lang.js';
import { EXAMPLES, FIRST_EXAMPLE } from './examples.js';
import { toLint, renderList } from './diagnostics.js';
import { framesOf, renderTrace } from './trace.js';
import { evaluateMocks } from './mocks.js';
import { offsetOf, lineColumnOf } from './position.js';
import { loadLumen } from './runtime.js';

/** The file name the program is checked and run under (what diagnostics and frames name). */
const FILENAME = 'playground.lm';

/** How long typing must pause before the program is checked again. */
const CHECK_DELAY_MS = 300;

/** The mock tools the page opens with. */
const DEFAULT_MOCKS = `({
  // One function per tool name; each gets the call's named arguments
  // and a context {tool, alias, grants, timeoutMs, signal}.
  "http.get": async ({ url }) => ({ status: 200, body: "hi from " + url }),
})
`;

const $ = (id) => document.getElementById(id);

/** `body[data-state]`: loading, ready, running, done, failed, cancelled (for tests and CSS). */
function setState(state, status) {
  document.body.dataset.state = state;
  if (status !== undefined) $('status').textContent = status;
}

function addLine(target, text, className) {
  const line = document.createElement('div');
  line.textContent = text;
  if (className) line.className = className;
  target.append(line);
  target.scrollTop = target.scrollHeight;
}

const lumenReady = loadLumen(location.href);

/** Puts the editor's cursor at `line`:`column` (1-based, characters) and focuses it. */
function moveCursor(line, column) {
  const pos = offsetOf(editor.state.doc, line, column);
  editor.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
  editor.focus();
}

/** Checks the program: lint diagnostics for CodeMirror, and the list under the editor. */
async function checkProgram(view) {
  let lumen;
  try {
    lumen = await lumenReady;
  } catch {
    return [];
  }
  const source = view.state.doc.toString();
  let diagnostics;
  try {
    diagnostics = lumen.check(source, FILENAME);
  } catch (e) {
    diagnostics = [
      { code: e?.code ?? 'E0999', message: e?.message ?? String(e), file: FILENAME, line: 1, column: 1, severity: 'error' },
    ];
  }
  renderList($('diagnostics'), diagnostics, moveCursor);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  $('diagnostics-summary').textContent =
    diagnostics.length === 0 ? 'No problems.' : `${errors} error(s), ${diagnostics.length - errors} other`;
  return toLint(view.state.doc, diagnostics);
}

function showCursor(view) {
  const { line, column } = lineColumnOf(view.state.doc, view.state.selection.main.head);
  const el = $('cursor');
  el.dataset.line = String(line);
  el.dataset.column = String(column);
  el.textContent = `Ln ${line}, Col ${column}`;
}

const editor = new EditorView({
  doc: EXAMPLES[FIRST_EXAMPLE].source,
  parent: $('editor'),
  extensions: [
    basicSetup,
    lumenLanguage,
    lintGutter(),
    linter(checkProgram, { delay: CHECK_DELAY_MS }),
    // Above basicSetup's Mod-Enter (insert a blank line).
    Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => (runProgram(), true) }])),
    EditorView.updateListener.of((u) => {
      if (u.selectionSet || u.docChanged) showCursor(u.view);
    }),
    EditorView.contentAttributes.of({ 'aria-label': 'Lumen program' }),
  ],
});
showCursor(editor);

const mocksEditor = new EditorView({
  doc: DEFAULT_MOCKS,
  parent: $('mocks'),
  extensions: [basicSetup, javascript(), EditorView.lineWrapping, EditorView.contentAttributes.of({ 'aria-label': 'Mock tools (JavaScript)' })],
});

/** The run in progress: its AbortController, or null. */
let current = null;

function clearResults() {
  $('output').replaceChildren();
  $('error').textContent = '';
  $('error-box').hidden = true;
  $('trace').replaceChildren();
  $('mocks-error').textContent = '';
  $('mocks-error').hidden = true;
}

function showError(err) {
  $('error-box').hidden = false;
  $('error').textContent = err?.rendered || String(err?.message ?? err);
  const frames = err?.kind === 'compile' ? [] : framesOf(err);
  renderTrace($('trace'), frames, FILENAME, moveCursor);
  $('trace-title').hidden = frames.length === 0;
}

/** Runs the program with the mock tools; Stop aborts it. */
async function runProgram() {
  if (current) return;
  clearResults();
  const mocks = evaluateMocks(mocksEditor.state.doc.toString());
  if (mocks.error) {
    $('mocks-error').textContent = `Mock tools: ${mocks.error}`;
    $('mocks-error').hidden = false;
    setState('failed', 'The mock tools script has an error; nothing ran.');
    return;
  }
  let lumen;
  try {
    lumen = await lumenReady;
  } catch (e) {
    setState('failed', e.message);
    return;
  }
  const controller = new AbortController();
  current = controller;
  $('run').disabled = true;
  $('stop').disabled = false;
  setState('running', 'Running…');
  const started = performance.now();
  const took = () => `${Math.round(performance.now() - started)} ms`;
  try {
    const result = await lumen.run(editor.state.doc.toString(), {
      filename: FILENAME,
      tools: mocks.tools,
      signal: controller.signal,
      onPrint: (line) => addLine($('output'), line),
    });
    if (result.display !== '') addLine($('output'), result.display, 'value');
    setState('done', `Finished in ${took()}.`);
  } catch (err) {
    if (err?.kind === 'cancelled') {
      addLine($('output'), err.message, 'cancelled');
      setState('cancelled', `Stopped after ${took()}.`);
    } else {
      showError(err);
      setState('failed', `Failed after ${took()}: ${err?.code ?? 'error'}.`);
    }
  } finally {
    current = null;
    $('run').disabled = false;
    $('stop').disabled = true;
  }
}

function stopProgram() {
  current?.abort('stopped by the user');
}

function pickExample(name) {
  const example = EXAMPLES[name];
  if (!example) return;
  stopProgram();
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: example.source } });
  clearResults();
}

const select = $('example');
for (const [name, { label }] of Object.entries(EXAMPLES)) {
  select.append(new Option(label, name, name === FIRST_EXAMPLE, name === FIRST_EXAMPLE));
}
select.addEventListener('change', () => pickExample(select.value));
$('run').addEventListener('click', runProgram);
$('stop').addEventListener('click', stopProgram);

lumenReady.then(
  (lumen) => {
    $('version').textContent = `lumen-wasm ${lumen.version()}`;
    $('run').disabled = false;
    setState('ready', 'Ready. Ctrl+Enter runs.');
  },
  (e) => setState('failed', e.message),
);
