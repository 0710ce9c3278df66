// The browser examples of issue 11 item 8 in headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core): examples/summarize/index.html and
// examples/signup_form/index.html, each program built as a program package
// (`buildProgramPackage`, tests/wasm/lib/examples.mjs) and served where its page imports
// it, `./pkg/`, with the rest of the repository, on 127.0.0.1 at a random port. The model
// endpoint the summarize page fetches, /api/chat, is a deterministic stub of this test.
// Any page error or console error fails a test.
//
// Environment: LUMEN_BIN (required: the `lumen` with the `build` feature), CHROMIUM_PATH.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { launchChromium } from '../lib/browser.mjs';
import { ROOT } from '../lib/lumen.mjs';
import { PROGRAM_ENTRY, buildProgramPackage, serveWithRoutes } from '../lib/examples.mjs';

const TIMEOUT = 60_000;

/** The examples: name → the program, built into `/examples/<name>/pkg/`. */
const EXAMPLES = {
  summarize: 'summarize.lm.md',
  signup_form: 'signup.lm.md',
};

let work;
let server;
let browserHost;

/**
 * What the model stub saw, and how it answers: 'model' (text), 'number' (a wrong type) or
 * 'down' (503).
 */
const stub = { calls: [], mode: 'model' };

const CONDENSE = 'Condense this paragraph into one sentence:\n\n';
const MERGE = /^Merge these sentences into at most (\d+) bullet points, one per line:\n\n/;

/**
 * POST /api/chat: a condense prompt gets the paragraph's first sentence as `{"text"}`
 * JSON; the merge prompt gets its sentences as `- ` lines in a text/plain body (the two
 * answer forms the page accepts). In mode 'number' every answer is the JSON number 42.
 */
function chatStub(req, body) {
  if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
  const { prompt, max_tokens } = JSON.parse(body);
  stub.calls.push({ prompt, max_tokens });
  if (stub.mode === 'number') return { body: 42 };
  if (stub.mode === 'down') return { status: 503, type: 'text/plain', body: 'model overloaded\n' };
  if (prompt.startsWith(CONDENSE)) {
    const paragraph = prompt.slice(CONDENSE.length);
    const sentence = paragraph.split(/(?<=\.)\s/)[0];
    return { body: { text: ` ${sentence} ` } };
  }
  const merge = prompt.match(MERGE);
  if (merge) {
    const sentences = prompt.slice(merge[0].length).split('\n');
    return { type: 'text/plain; charset=utf-8', body: sentences.map((s) => `- ${s}`).join('\n') + '\n' };
  }
  return { status: 400, body: { error: 'unexpected prompt' } };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lumen-example-pages-'));
  const mounts = {};
  for (const [name, program] of Object.entries(EXAMPLES)) {
    const pkg = join(work, name);
    buildProgramPackage(join(ROOT, 'examples', name, program), pkg);
    mounts[`/examples/${name}/pkg/`] = pkg;
  }
  server = await serveWithRoutes(ROOT, mounts, { '/api/chat': chatStub });
  browserHost = await launchChromium(TIMEOUT);
});

after(async () => {
  await browserHost?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Opens `path` in a new page recording page errors, console errors and failed requests. */
async function open(path) {
  const page = await browserHost.context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  await page.goto(`${server.origin}${path}`);
  await page.waitForSelector('body[data-state="ready"]');
  return { page, problems };
}

test('issue 11 item 8: each page imports its package by the one browser entry name', () => {
  for (const name of Object.keys(EXAMPLES)) {
    const html = readFileSync(join(ROOT, 'examples', name, 'index.html'), 'utf8');
    const imports = [...html.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(imports, [`./pkg/${PROGRAM_ENTRY}`], `${name}/index.html`);
  }
});

const ARTICLE = [
  'Lumen programs are markdown files. The code lives in fenced blocks and the prose around it explains it.',
  'A program declares the tools it uses. Each tool has a signature, so calls are checked before the program runs.',
  '',
  'Grants limit what a tool may do. A file tool gets a path, an HTTP tool a domain, and any tool a call budget.',
  'The same program runs natively, in Node, in a browser and under WASI. Its output is the same on every host.',
].join('\n\n');

/** Fills the form, submits it and waits for the outcome; resolves to the body's state. */
async function summarise(page, { title, article, bullets }) {
  await page.fill('#title', title);
  await page.fill('#article', article);
  await page.fill('#bullets', String(bullets));
  await page.click('#summarize');
  await page.waitForSelector('body[data-state="done"], body[data-state="failed"]');
  return page.getAttribute('body', 'data-state');
}

describe('issue 11 item 8: examples/summarize in the browser', () => {
  test('issue 11 item 8: the page provides the typed llm.chat tool by fetch and renders the bullets', async () => {
    const { page, problems } = await open('/examples/summarize/index.html');
    try {
      stub.mode = 'model';
      stub.calls = [];
      const state = await summarise(page, { title: 'About Lumen', article: ARTICLE, bullets: 3 });
      assert.equal(state, 'done', await page.textContent('#error'));
      assert.equal(await page.textContent('#result-title'), 'About Lumen');
      assert.deepEqual(await page.$$eval('#result-bullets li', (li) => li.map((x) => x.textContent)), [
        'Lumen programs are markdown files.',
        'A program declares the tools it uses.',
        'Grants limit what a tool may do.',
      ]);
      const words = ARTICLE.split(/\s+/).filter((w) => w !== '').length;
      assert.equal(await page.textContent('#result-stats'), `4 paragraphs, ${words} words`);
      assert.equal(await page.isHidden('#error'), true);

      // One call per paragraph (max_tokens 60), then the merge (the declared default, 256).
      assert.equal(stub.calls.length, 5);
      assert.deepEqual(stub.calls.map((c) => c.max_tokens), [60, 60, 60, 60, 256]);
      assert.ok(stub.calls[0].prompt.endsWith(ARTICLE.split('\n\n')[0]), stub.calls[0].prompt);
      assert.match(stub.calls[4].prompt, /^Merge these sentences into at most 3 bullet points/);
      assert.equal(await page.textContent('#status'), '5 model calls');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('issue 11 item 8: a model answer that is not a String is the E0906 tool error', async () => {
    const { page, problems } = await open('/examples/summarize/index.html');
    try {
      stub.mode = 'number';
      stub.calls = [];
      const state = await summarise(page, { title: 'T', article: ARTICLE, bullets: 2 });
      assert.equal(state, 'failed');
      assert.equal(await page.getAttribute('#error', 'data-code'), 'E0906');
      assert.equal(await page.getAttribute('#error', 'data-kind'), 'tool');
      const error = await page.textContent('#error');
      assert.ok(error.startsWith('error[E0906]: '), error);
      assert.ok(error.includes('llm.chat'), error);
      assert.ok(error.includes('expected String'), error);
      assert.ok(error.includes('42'), error);
      assert.ok(error.includes('summarize.lm.md:'), error);
      assert.equal(await page.isHidden('#result'), true);
      // The first answer stopped the run: no second call.
      assert.equal(stub.calls.length, 1);
      assert.equal(await page.textContent('#status'), '1 model call');

      // The page recovers: the next run with a working model succeeds.
      stub.mode = 'model';
      assert.equal(await summarise(page, { title: 'T', article: ARTICLE, bullets: 2 }), 'done');
      assert.equal(await page.$$eval('#result-bullets li', (li) => li.length), 2);
      assert.deepEqual(problems, []);
    } finally {
      stub.mode = 'model';
      await page.close();
    }
  });

  test('issue 11 item 8: an endpoint that fails is a tool error naming the status', async () => {
    const { page, problems } = await open('/examples/summarize/index.html');
    try {
      stub.mode = 'down';
      stub.calls = [];
      assert.equal(await summarise(page, { title: 'T', article: ARTICLE, bullets: 2 }), 'failed');
      assert.equal(await page.getAttribute('#error', 'data-code'), 'E0906');
      const error = await page.textContent('#error');
      assert.ok(error.includes('/api/chat answered 503'), error);
      assert.equal(stub.calls.length, 1);
      // The 503 response itself is logged by Chromium as a failed resource load.
      assert.deepEqual(problems.filter((p) => !p.includes('status of 503')), []);
    } finally {
      stub.mode = 'model';
      await page.close();
    }
  });

  test('issue 11 item 8: the max_calls grant stops a run at 20 model calls (E0907)', async () => {
    const { page, problems } = await open('/examples/summarize/index.html');
    try {
      stub.calls = [];
      const article = Array.from({ length: 20 }, (_, i) => `Paragraph ${i + 1}. More text.`).join('\n\n');
      assert.equal(await summarise(page, { title: 'T', article, bullets: 3 }), 'failed');
      assert.equal(await page.getAttribute('#error', 'data-code'), 'E0907');
      assert.equal(await page.getAttribute('#error', 'data-kind'), 'grant');
      // Twenty paragraphs took the twenty calls; the merge, the 21st, never reached the page.
      assert.equal(stub.calls.length, 20);
      assert.equal(await page.textContent('#status'), '20 model calls');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('issue 11 item 8: an empty article stops before any model call', async () => {
    const { page, problems } = await open('/examples/summarize/index.html');
    try {
      stub.calls = [];
      assert.equal(await summarise(page, { title: 'T', article: ' \n\n ', bullets: 3 }), 'failed');
      assert.equal(await page.getAttribute('#error', 'data-code'), 'E0905');
      assert.ok((await page.textContent('#error')).includes('the article is empty'));
      assert.equal(stub.calls.length, 0);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});

/** Types `value` into the field `field` (replacing it) and waits for every check to settle. */
async function type(page, field, value) {
  await page.fill(`#${field}`, value);
  await page.waitForSelector('body[data-pending="0"]');
}

/** The message next to each field, and whether the field is marked invalid. */
const messages = (page) =>
  page.$$eval('#form input', (inputs) =>
    Object.fromEntries(
      inputs.map((i) => [
        i.id,
        {
          text: document.getElementById(`${i.id}-error`).textContent,
          code: document.getElementById(`${i.id}-error`).dataset.code ?? '',
          invalid: i.getAttribute('aria-invalid'),
        },
      ]),
    ),
  );

const RULES = {
  username: 'must satisfy length(username) >= 3 and length(username) <= 20',
  email: 'must satisfy contains(email, "@") and not starts_with(email, "@") and not ends_with(email, "@")',
  password: 'must satisfy length(password) >= 8',
  age: 'must satisfy age >= 13 and age <= 130',
};
const fine = { text: '', code: '', invalid: 'false' };
const failed = (field) => ({ text: RULES[field], code: 'E0904', invalid: 'true' });

describe('issue 11 item 8: examples/signup_form in the browser', () => {
  test('issue 11 item 8: each failed where constraint is shown next to its field as the user types', async () => {
    const { page, problems } = await open('/examples/signup_form/index.html');
    try {
      // Nothing is shown before the user types.
      const untouched = await messages(page);
      for (const field of Object.keys(RULES)) assert.equal(untouched[field].text, '', field);

      await type(page, 'username', 'al');
      await type(page, 'email', 'al@');
      await type(page, 'password', 'short');
      await type(page, 'age', '12');
      assert.deepEqual(await messages(page), {
        username: failed('username'),
        email: failed('email'),
        password: failed('password'),
        age: failed('age'),
      });

      // Not a number is an age that fails its constraint too; too long a name fails.
      await type(page, 'age', 'twelve');
      await type(page, 'username', 'a'.repeat(21));
      assert.deepEqual((await messages(page)).age, failed('age'));
      assert.deepEqual((await messages(page)).username, failed('username'));

      // Fixing one field clears its message only.
      await type(page, 'username', 'ada');
      await type(page, 'email', '@example.com');
      const some = await messages(page);
      assert.deepEqual(some.username, fine);
      assert.deepEqual(some.email, failed('email'));
      assert.deepEqual(some.password, failed('password'));

      // Submitting with bad fields calls no sign_up and says so.
      await page.click('#submit');
      await page.waitForSelector('#result[data-outcome]');
      assert.equal(await page.getAttribute('#result', 'data-outcome'), 'invalid');
      assert.equal(await page.textContent('#result'), 'Please fix the fields marked above.');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('issue 11 item 8: good values clear every message and sign_up greets the user', async () => {
    const { page, problems } = await open('/examples/signup_form/index.html');
    try {
      await type(page, 'username', 'ad');
      await type(page, 'age', '200');
      assert.deepEqual((await messages(page)).username, failed('username'));
      assert.deepEqual((await messages(page)).age, failed('age'));

      await type(page, 'username', '  Ada  ');
      await type(page, 'email', ' ADA@Example.org ');
      await type(page, 'password', 'correct horse');
      await type(page, 'age', '36');
      assert.deepEqual(await messages(page), { username: fine, email: fine, password: fine, age: fine });

      await page.click('#submit');
      await page.waitForSelector('#result[data-outcome]');
      assert.equal(await page.getAttribute('#result', 'data-outcome'), 'ok');
      // sign_up's own normalisation: the name trimmed, the address trimmed and lower-cased.
      assert.equal(await page.textContent('#result'), 'Welcome, Ada! We will write to ada@example.org.');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
