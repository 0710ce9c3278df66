// The browser playground (issue 14 point 4), examples/playground/, in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core): the repository served on 127.0.0.1
// with the package under test mounted at /pkg/ and the page pointed at it (`?pkg=`). A
// program with an error is typed -> its diagnostic is underlined at the right line and
// column and listed; fixed -> Run -> output and value; the infinite-loop example -> Run ->
// output streams while it runs, the page answers, Stop ends it; the error example -> the
// rendered error and its trace, and clicking a frame moves the cursor; a bad mock tools
// script -> an error and nothing run, a good one -> the mock is called. Any page error or
// console error fails the test. A screenshot of each state is saved to
// $LUMEN_PLAYGROUND_SCREENSHOTS, default `<CARGO_TARGET_DIR or target/>/playground-screenshots/`
// (not committed); the test prints the folder.
//
// Needs examples/playground/node_modules (`npm ci` there; `cargo xtask test-wasm` runs it)
// and pkg/ (or LUMEN_PKG / LUMEN_PKG_WEB).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchChromium } from '../lib/browser.mjs';
import { ROOT, PKG_WEB, BUILD_HINT, loadLumen } from '../lib/lumen.mjs';
import { serve } from '../lib/server.mjs';
import { pathToFileURL } from 'node:url';

const TIMEOUT = 60_000;

/** How long the page may take to answer an evaluate while a program runs. */
const RESPONSIVE_MS = 2_000;

const PLAYGROUND = join(ROOT, 'examples', 'playground');

const SHOTS = resolve(
  process.env.LUMEN_PLAYGROUND_SCREENSHOTS ||
    join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'playground-screenshots'),
);

/** The program typed first: `totl` (line 3, column 17) is not defined. */
const BROKEN = [
  'cell main() -> Int',
  '  let total = 40',
  '  let doubled = totl * 2',
  '  print("doubled is {doubled}")',
  '  doubled + 2',
  'end',
  '',
].join('\n');

let server;
let browserHost;
let page;
const problems = [];

describe('examples/playground in Chromium', () => {
  before(async () => {
    for (const f of ['index.js', 'lumen_wasm_bg.wasm']) {
      if (!existsSync(join(PKG_WEB, f))) {
        throw new Error(`${join(PKG_WEB, f)} is missing: build it with \`${BUILD_HINT}\``);
      }
    }
    if (!existsSync(join(PLAYGROUND, 'node_modules', 'codemirror', 'package.json'))) {
      throw new Error(`${PLAYGROUND}/node_modules is missing: run \`npm ci\` in ${PLAYGROUND}`);
    }
    mkdirSync(SHOTS, { recursive: true });
    console.log(`playground screenshots: ${SHOTS}`);
    server = await serve(ROOT, { '/pkg/': PKG_WEB });
    browserHost = await launchChromium(TIMEOUT);
    page = await browserHost.context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(`${server.origin}/examples/playground/index.html?pkg=/pkg/index.js`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="failed"]');
    assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#status'));
  });

  after(async () => {
    await browserHost?.close();
    await server?.close();
  });

  async function shot(name) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** The editor's lines as text. */
  const editorLines = () => page.$$eval('#editor .cm-line', (ls) => ls.map((l) => l.textContent));

  /** The cursor position the page shows under "Program". */
  async function cursor() {
    const el = await page.$('#cursor');
    return { line: Number(await el.getAttribute('data-line')), column: Number(await el.getAttribute('data-column')) };
  }

  /** The output lines: `[class, text]`. */
  const output = () => page.$$eval('#output > div', (ds) => ds.map((d) => [d.className, d.textContent]));

  /** Replaces the text of the editor in `selector` as a user would: select all, then type. */
  async function replaceText(selector, text) {
    await page.click(`${selector} .cm-content`);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }

  /** Clicks Run and waits for the run to end in `state` (`done`, `failed` or `cancelled`). */
  async function runTo(state) {
    await page.evaluate(() => {
      document.body.dataset.state = 'clicked';
    });
    await page.click('#run');
    await page.waitForSelector('body:is([data-state="done"], [data-state="failed"], [data-state="cancelled"])');
    assert.equal(await page.getAttribute('body', 'data-state'), state, await page.textContent('#status'));
  }

  /** How long (ms) the page takes to answer a task queued behind whatever it is doing. */
  const answerTime = () =>
    page.evaluate(() => {
      const t0 = performance.now();
      return new Promise((done) => setTimeout(() => done(performance.now() - t0), 0));
    });

  test('the page loads the hello example with no problems', async () => {
    await page.waitForFunction(() => document.getElementById('diagnostics-summary').textContent === 'No problems.');
    assert.match(await page.textContent('#version'), /^lumen-wasm \d+\.\d+\.\d+/);
    assert.equal(await page.inputValue('#example'), 'hello');
    assert.deepEqual(
      await page.$$eval('#example option', (os) => os.map((o) => o.value)),
      ['hello', 'records', 'tool', 'deep', 'loop'],
    );
    assert.ok((await editorLines()).some((l) => l.includes('print("Hello, {name}!")')));
    assert.deepEqual(problems, []);
  });

  test('a typed error is underlined at its line and column and listed; fixed, it runs', async () => {
    await replaceText('#editor', BROKEN);
    assert.deepEqual(await editorLines(), BROKEN.split('\n'));

    // The list under the editor (debounced check).
    await page.waitForSelector('#diagnostics li');
    const items = await page.$$eval('#diagnostics li', (lis) =>
      lis.map((li) => ({ ...li.dataset, severity: li.className, text: li.textContent })),
    );
    assert.equal(items.length, 1, JSON.stringify(items));
    assert.deepEqual([items[0].code, items[0].line, items[0].column, items[0].severity], ['E0200', '3', '17', 'error']);
    assert.match(items[0].text, /^playground\.lm:3:17 error\[E0200\]: .*totl/);

    // The squiggle: its text, its line in the editor and the characters before it on that line.
    await page.waitForSelector('#editor .cm-lintRange-error');
    const marks = await page.$$eval('#editor .cm-lintRange-error', (els) =>
      els.map((el) => {
        const line = el.closest('.cm-line');
        const before = document.createRange();
        before.setStart(line, 0);
        before.setEndBefore(el);
        return {
          text: el.textContent,
          line: [...document.querySelectorAll('#editor .cm-line')].indexOf(line) + 1,
          column: before.toString().length + 1,
        };
      }),
    );
    assert.deepEqual(marks, [{ text: 'totl', line: 3, column: 17 }]);
    assert.equal(await page.$$eval('#editor .cm-lint-marker-error', (m) => m.length), 1, 'a gutter marker');
    await shot('1-diagnostic');

    // Clicking the list item puts the cursor on the diagnostic.
    await page.click('#diagnostics li');
    assert.deepEqual(await cursor(), { line: 3, column: 17 });

    // Fix the name by typing over it.
    await page.dblclick('#editor .cm-lintRange-error');
    await page.keyboard.type('total');
    await page.waitForFunction(() => document.getElementById('diagnostics-summary').textContent === 'No problems.');
    assert.equal(await page.$$eval('#diagnostics li', (l) => l.length), 0);
    await page.waitForSelector('#editor .cm-lintRange-error', { state: 'detached' });
    assert.equal((await editorLines())[2], '  let doubled = total * 2');

    await runTo('done');
    assert.deepEqual(await output(), [
      ['', 'doubled is 80'],
      ['value', '82'],
    ]);
    assert.equal(await page.isHidden('#error-box'), true);
    await shot('2-output');

    // Ctrl+Enter in the editor runs too (and inserts no line).
    await page.evaluate(() => {
      document.body.dataset.state = 'clicked';
    });
    await page.click('#editor .cm-content');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('body[data-state="done"]');
    assert.equal((await editorLines()).length, BROKEN.split('\n').length);
    assert.deepEqual((await output()).at(-1), ['value', '82']);
  });

  test('the infinite loop streams output, the page answers while it runs, Stop ends it', async () => {
    await page.selectOption('#example', 'loop');
    assert.ok((await editorLines()).includes('  while true'));
    await page.click('#run');
    // The line printed before the loop shows while the loop still runs.
    await page.waitForSelector('#output > div');
    assert.equal(await page.getAttribute('body', 'data-state'), 'running');
    assert.deepEqual(await output(), [['', 'counting forever; press Stop']]);
    assert.equal(await page.isEnabled('#stop'), true);
    assert.equal(await page.isDisabled('#run'), true);
    for (let i = 0; i < 3; i += 1) {
      const ms = await answerTime();
      assert.ok(ms < RESPONSIVE_MS, `the page took ${ms} ms to answer while the loop ran`);
    }
    // Typing in the editor works during the run too.
    await page.click('#editor .cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('# typed while running');
    assert.ok((await editorLines()).includes('# typed while running'));
    assert.equal(await page.getAttribute('body', 'data-state'), 'running');
    await shot('3-running');

    const clicked = Date.now();
    await page.click('#stop');
    await page.waitForSelector('body[data-state="cancelled"]', { timeout: 5_000 });
    const ms = Date.now() - clicked;
    assert.ok(ms < 5_000, `Stop took ${ms} ms`);
    assert.deepEqual(await output(), [
      ['', 'counting forever; press Stop'],
      ['cancelled', 'the run was cancelled: stopped by the user'],
    ]);
    assert.equal(await page.isEnabled('#run'), true);
    assert.equal(await page.isDisabled('#stop'), true);
    const after = await answerTime();
    assert.ok(after < RESPONSIVE_MS, `the page took ${after} ms to answer after Stop`);
    await shot('4-stopped');
  });

  test('a run-time error shows its rendered text and trace; a frame moves the cursor', async () => {
    await page.selectOption('#example', 'deep');
    const source = (await editorLines()).join('\n');
    // The package's frames, innermost first.
    const err = await page.evaluate(async (src) => {
      const lumen = await import('/pkg/index.js');
      try {
        await lumen.run(src, { filename: 'playground.lm', onPrint() {} });
        return null;
      } catch (e) {
        return { code: e.code, line: e.line, file: e.file, frames: e.frames ?? null };
      }
    }, source);
    assert.ok(err, 'the deep example fails');
    assert.equal(err.line, 5);
    assert.equal(err.file, 'playground.lm');

    // The cursor is elsewhere before the click.
    await page.click('#editor .cm-content');
    await page.keyboard.press('Control+Home');
    assert.deepEqual(await cursor(), { line: 1, column: 1 });

    await runTo('failed');
    assert.deepEqual(await output(), [['', 'about to fail']]);
    const rendered = await page.textContent('#error');
    assert.match(rendered, new RegExp(`^error\\[${err.code}\\]: `));
    assert.match(rendered, /--> playground\.lm:5:\d+ \(in inner\)/);
    assert.match(rendered, /\n {2}= at main \(playground\.lm:18:\d+\)/);
    const frames = await page.$$eval('#trace button.frame', (bs) =>
      bs.map((b) => ({ text: b.textContent, line: b.dataset.line, column: b.dataset.column, disabled: b.disabled })),
    );
    assert.ok(Array.isArray(err.frames), 'the package gives frames');
    // inner (line 5), middle (9), outer (13), main (18), each with its column.
    assert.deepEqual(
      frames.map((f) => [f.text.split(' ')[1], f.line]),
      [['inner', '5'], ['middle', '9'], ['outer', '13'], ['main', '18']],
    );
    assert.deepEqual(
      frames.map((f) => f.column),
      err.frames.map((f) => String(f.column)),
    );
    assert.ok(frames.every((f) => Number(f.column) > 0 && !f.disabled));
    await shot('5-trace');

    await page.click('#trace button.frame >> nth=0');
    const at = await cursor();
    assert.equal(at.line, 5);
    assert.equal(at.column, err.frames[0].column);
    assert.equal(await page.evaluate(() => document.activeElement?.closest('#editor') !== null), true, 'the editor has focus');
    await page.click('#trace button.frame >> nth=-1');
    assert.deepEqual(await cursor(), { line: 18, column: err.frames.at(-1).column });
    await shot('6-frame-clicked');
  });

  test('renderTrace: one button per frame, innermost first; frames of other files disabled', async () => {
    const r = await page.evaluate(async () => {
      const { renderTrace } = await import('/examples/playground/trace.js');
      const ol = document.createElement('ol');
      const picked = [];
      renderTrace(
        ol,
        [
          { cell: 'inner', file: 'playground.lm', line: 5, column: 3 },
          { cell: 'helper', file: 'lib.lm', line: 2, column: 1 },
          { cell: 'main', file: 'playground.lm', line: 18, column: 0 },
        ],
        'playground.lm',
        (line, column) => picked.push([line, column]),
      );
      const buttons = [...ol.querySelectorAll('button.frame')];
      buttons.forEach((b) => b.click());
      return { texts: buttons.map((b) => b.textContent), disabled: buttons.map((b) => b.disabled), picked };
    });
    assert.deepEqual(r.texts, ['at inner (playground.lm:5:3)', 'at helper (lib.lm:2:1)', 'at main (playground.lm:18)']);
    assert.deepEqual(r.disabled, [false, true, false]);
    assert.deepEqual(r.picked, [[5, 3], [18, 1]]);
  });

  test('a bad mock tools script shows an error and runs nothing; a good one is called', async () => {
    await page.selectOption('#example', 'tool');
    const good = await page.$$eval('#mocks .cm-line', (ls) => ls.map((l) => l.textContent).join('\n'));
    assert.match(good, /"http\.get": async/);

    await replaceText('#mocks', '({ "http.get": async ({ url }) => ({ status: 200, body: "hi" ');
    await runTo('failed');
    assert.equal(await page.isVisible('#mocks-error'), true);
    assert.match(await page.textContent('#mocks-error'), /^Mock tools: SyntaxError: /);
    assert.deepEqual(await output(), []);

    await replaceText('#mocks', '({ "http.get": 42 })');
    await runTo('failed');
    assert.equal(await page.textContent('#mocks-error'), 'Mock tools: mock tool "http.get" is a number, not a function');
    await shot('7-bad-mocks');

    await replaceText('#mocks', '({ "http.get": ({ url }) => ({ status: 201, body: "mocked " + url }) })');
    await runTo('done');
    assert.equal(await page.isHidden('#mocks-error'), true);
    assert.deepEqual(await output(), [
      ['', 'status 201: mocked https://api.example.com/greeting'],
      ['', 'mocked https://api.example.com/again'],
      ['value', '{"status": 201, "body": "mocked https://api.example.com/again"}'],
    ]);

    // A mock that throws is the program's tool error (E0906), shown like any run-time error.
    await replaceText('#mocks', '({ "http.get": () => { throw new Error("backend down") } })');
    await runTo('failed');
    assert.match(await page.textContent('#error'), /^error\[E0906\]: .*backend down/);
    await shot('8-tool-error');
    assert.deepEqual(problems, []);
  });
});

describe('the playground modules in Node', () => {

  /** Imports `examples/playground/NAME`. */
  const playgroundModule = (name) => import(pathToFileURL(join(PLAYGROUND, name)).href);

  test('positions: Lumen columns count characters, CodeMirror offsets UTF-16 units', async () => {
    const { columnOffset, offsetOf, lineColumnOf } = await playgroundModule('position.js');
    const { Text } = await import(pathToFileURL(join(PLAYGROUND, 'node_modules/@codemirror/state/dist/index.js')).href);
    assert.equal(columnOffset('abc', 1), 0);
    assert.equal(columnOffset('abc', 3), 2);
    assert.equal(columnOffset('abc', 99), 3, 'past the end: the end');
    assert.equal(columnOffset('abc', 0), 0);
    // "😀" is one character (column 1) and two UTF-16 units.
    assert.equal(columnOffset('😀x', 2), 2);
    const doc = Text.of(['cell main()', '  print("😀", oops)', 'end']);
    const pos = offsetOf(doc, 2, 14);
    assert.equal(doc.sliceString(pos, pos + 4), 'oops');
    assert.deepEqual(lineColumnOf(doc, pos), { line: 2, column: 14 });
    assert.equal(offsetOf(doc, 99, 1), doc.line(3).from, 'a line past the end: the last');
    assert.equal(offsetOf(doc, 'x', 'y'), 0, 'garbage: the start');
  });

  test('diagnostics: the lint range covers the word at the line and column', async () => {
    const { toLint } = await playgroundModule('diagnostics.js');
    const { Text } = await import(pathToFileURL(join(PLAYGROUND, 'node_modules/@codemirror/state/dist/index.js')).href);
    const doc = Text.of(['cell main()', '  let x = totl + 1', 'end']);
    const d = (line, column, severity = 'error') => ({ code: 'E0200', message: 'm', file: 'f', line, column, severity });
    const [word, punct, eol, warn] = toLint(doc, [d(2, 11), d(2, 16), d(2, 19), d(1, 1, 'warning')]);
    assert.equal(doc.sliceString(word.from, word.to), 'totl');
    assert.equal(word.severity, 'error');
    assert.equal(word.source, 'E0200');
    assert.equal(doc.sliceString(punct.from, punct.to), '+');
    assert.equal(eol.from, eol.to, 'at the end of a line: an empty range');
    assert.equal(eol.from, doc.line(2).to);
    assert.equal(warn.severity, 'warning');
    assert.equal(doc.sliceString(warn.from, warn.to), 'cell');
  });

  test('framesOf: err.frames when given, else one frame from err.line, else none', async () => {
    const { framesOf, frameText } = await playgroundModule('trace.js');
    const frames = [
      { cell: 'inner', file: 'a.lm', line: 4, column: 3 },
      { cell: 'main', file: 'a.lm', line: 9, column: 5 },
    ];
    assert.deepEqual(framesOf({ frames, line: 4, file: 'a.lm' }), frames);
    assert.deepEqual(framesOf({ frames: [], line: 4, file: 'a.lm' }), [{ cell: null, file: 'a.lm', line: 4, column: 0 }]);
    assert.deepEqual(framesOf({ line: 7 }), [{ cell: null, file: null, line: 7, column: 0 }]);
    assert.deepEqual(framesOf({ frames: [{ line: '2' }] }), [{ cell: null, file: null, line: 2, column: 0 }]);
    assert.deepEqual(framesOf({ code: 'E0915' }), []);
    assert.deepEqual(framesOf(null), []);
    assert.equal(frameText(frames[0]), 'at inner (a.lm:4:3)');
    assert.equal(frameText({ cell: null, file: 'a.lm', line: 4, column: 0 }), 'at a.lm:4');
  });

  test('evaluateMocks: an object of functions, or a message; never a throw', async () => {
    const { evaluateMocks } = await playgroundModule('mocks.js');
    const ok = evaluateMocks('({ "http.get": async ({ url }) => ({ status: 200, body: url }) })');
    assert.deepEqual(Object.keys(ok.tools), ['http.get']);
    assert.deepEqual(await ok.tools['http.get']({ url: 'u' }), { status: 200, body: 'u' });
    assert.deepEqual(evaluateMocks('  '), { tools: {} });
    assert.match(evaluateMocks('({ oops').error, /^SyntaxError: /);
    assert.match(evaluateMocks('(() => { throw new TypeError("no") })()').error, /^TypeError: no$/);
    assert.match(evaluateMocks('(() => { throw 42 })()').error, /42/);
    assert.equal(evaluateMocks('42').error, 'the mock tools script must evaluate to an object of functions, not a number');
    assert.equal(evaluateMocks('[]').error, 'the mock tools script must evaluate to an object of functions, not an array');
    assert.equal(evaluateMocks('null').error, 'the mock tools script must evaluate to an object of functions, not null');
    assert.equal(evaluateMocks('({ a: "x" })').error, 'mock tool "a" is a string, not a function');
    assert.match(evaluateMocks('1; 2').error, /^SyntaxError: /, 'one expression, not statements');
  });

  test('packageUrl: ../../pkg/index.js by default, ?pkg= only on the same origin', async () => {
    const { packageUrl } = await playgroundModule('runtime.js');
    const page = 'http://127.0.0.1:8000/examples/playground/';
    assert.equal(packageUrl(page), 'http://127.0.0.1:8000/pkg/index.js');
    assert.equal(packageUrl(`${page}?pkg=/build/x/index.js`), 'http://127.0.0.1:8000/build/x/index.js');
    assert.throws(() => packageUrl(`${page}?pkg=https://evil.example/x.js`), /same|this site/);
    assert.throws(() => packageUrl(`${page}?pkg=//evil.example/x.js`), /this site/);
  });

  test("the import map names every package of the lockfile and every module's bare imports", () => {
    const html = readFileSync(join(PLAYGROUND, 'index.html'), 'utf8');
    const map = JSON.parse(html.match(/<script type="importmap">([\s\S]*?)<\/script>/)[1]).imports;
    const lock = JSON.parse(readFileSync(join(PLAYGROUND, 'package-lock.json'), 'utf8'));
    const locked = Object.keys(lock.packages)
      .filter((k) => k.startsWith('node_modules/'))
      .map((k) => k.slice('node_modules/'.length));
    assert.deepEqual(Object.keys(map).sort(), locked.sort());
    for (const [name, file] of Object.entries(map)) {
      const path = join(PLAYGROUND, file);
      assert.ok(existsSync(path), `${name} -> ${file} is missing`);
      const pkg = JSON.parse(readFileSync(join(PLAYGROUND, 'node_modules', name, 'package.json'), 'utf8'));
      const entry = pkg.exports?.['.']?.import ?? pkg.exports?.import ?? pkg.module;
      assert.equal(join(PLAYGROUND, 'node_modules', name, entry), path, `${name}: its ESM entry`);
      const code = readFileSync(path, 'utf8');
      // Static `import … from '…'` / `export … from '…'` statements (up to their `;`) and
      // bare `import '…'`; the names not starting with `.` or `/` are bare.
      const statements = /^(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm;
      const specs = [...code.matchAll(statements)].map((m) => m[1] ?? m[2]);
      assert.ok(specs.length > 0 || !/^import\b/m.test(code), `${file}: no import found`);
      for (const spec of specs.filter((x) => !/^[./]/.test(x))) {
        assert.ok(Object.hasOwn(map, spec), `${file} imports ${spec}, which the import map lacks`);
      }
    }
  });

  test('every example program checks cleanly, and each runs as its label says (Node, pkg/)', async () => {
    const { EXAMPLES, FIRST_EXAMPLE } = await playgroundModule('examples.js');
    const lumen = loadLumen();
    assert.ok(Object.hasOwn(EXAMPLES, FIRST_EXAMPLE));
    for (const [name, { source }] of Object.entries(EXAMPLES)) {
      assert.deepEqual(lumen.check(source, 'playground.lm'), [], name);
    }
    const hello = await lumen.run(EXAMPLES.hello.source, { filename: 'playground.lm' });
    assert.deepEqual(hello.output, ['Hello, Lumen!', '1 x 1 = 1', '2 x 2 = 4', '3 x 3 = 9']);
    assert.equal(hello.display, 'done');
    const records = await lumen.run(EXAMPLES.records.source, { filename: 'playground.lm' });
    assert.equal(records.output.length, 4);
    assert.equal(records.display, '16.2');
    const deep = await lumen.run(EXAMPLES.deep.source, { filename: 'playground.lm' }).catch((e) => e);
    assert.equal(deep.kind, 'runtime', deep.rendered);
    assert.equal(deep.line, 5);
    const stop = new AbortController();
    setTimeout(() => stop.abort('enough'), 50);
    const loop = await lumen.run(EXAMPLES.loop.source, { signal: stop.signal }).catch((e) => e);
    assert.equal(loop.code, 'E0915');
  });
});
