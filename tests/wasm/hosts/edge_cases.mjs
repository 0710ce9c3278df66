// Issue 12 item 2: the requests every HTTP host of examples/edge_api.lm.md must answer the
// same way, and the answers — one table for the Cloudflare worker under workerd
// (edge_worker.test.mjs) and the wasi:http component under `wasmtime serve`
// (edge_http.test.mjs). It is the executable statement of decision 37 (docs/LANGUAGE.md):
// what goes into `Request` (method, path as sent, percent-decoded query with `+` a space and
// the last value winning, lower-case header names with repeated ones joined, the body as
// text) and the hosts' error answers (400 for a body that is not UTF-8, 500 with
// `{"error": {"code", "message"}}` for a Lumen error).
//
// Each case: `path`, `init` (fetch's), and `expect` = `{status, type, body}` where `body`
// is the text or parsed JSON the answer must equal, or `check(body)` asserts on it.

import assert from 'node:assert/strict';

const mixedHeaders = () => {
  const h = new Headers({ 'X-Mixed-Case': 'One', Accept: 'text/plain' });
  h.append('x-twice', 'a');
  h.append('x-twice', 'b');
  return h;
};

/** @type {{title: string, path: string, init?: RequestInit | (() => RequestInit), expect: {status: number, type: string, body?: unknown, check?: (body: any) => void}}[]} */
export const CASES = [
  {
    title: 'the root lists the routes',
    path: '/',
    expect: {
      status: 200,
      type: 'application/json',
      body: { service: 'edge_api', routes: ['/users', '/users/:id', '/hello?name=', '/fetch?url=', '/echo'] },
    },
  },
  {
    title: 'GET /users lists the users',
    path: '/users',
    expect: { status: 200, type: 'application/json', body: [{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }] },
  },
  {
    title: 'GET /users/2 finds one',
    path: '/users/2',
    expect: { status: 200, type: 'application/json', body: { id: 2, name: 'Grace' } },
  },
  {
    title: 'an unknown user is a 404',
    path: '/users/9',
    expect: { status: 404, type: 'application/json', body: { error: 'no user 9' } },
  },
  {
    title: 'an unknown route is a 404 naming method and path',
    path: '/no/such/route',
    expect: { status: 404, type: 'application/json', body: { error: 'no route for GET /no/such/route' } },
  },
  {
    title: 'POST /users echoes the user with a new id',
    path: '/users',
    init: { method: 'POST', body: JSON.stringify({ name: 'Linus' }) },
    expect: { status: 201, type: 'application/json', body: { id: 3, name: 'Linus' } },
  },
  {
    title: 'the query is decoded, + is a space, the last value wins',
    path: '/hello?name=x&name=A%20b+c',
    expect: { status: 200, type: 'text/plain; charset=utf-8', body: 'hello, A b c\n' },
  },
  {
    title: 'Request carries method, path, decoded query, lower-case joined headers and the body',
    path: '/echo/a%20b?q=%C3%A9t%C3%A9&k=1&k=2&plus=a+b&__proto__=p&flag&bad=%zz',
    init: () => ({ method: 'PUT', headers: mixedHeaders(), body: 'héllo' }),
    expect: {
      status: 200,
      type: 'application/json',
      check(body) {
        assert.equal(body.method, 'PUT');
        assert.equal(body.path, '/echo/a%20b');
        // `__proto__` is a query name like any other (JSON.parse makes it an own key too).
        assert.deepEqual(
          body.query,
          JSON.parse('{"q": "été", "k": "2", "plus": "a b", "__proto__": "p", "flag": "", "bad": "%zz"}'),
        );
        assert.equal(body.headers['x-mixed-case'], 'One');
        assert.equal(body.headers['x-twice'], 'a, b');
        assert.equal(body.headers.accept, 'text/plain');
        assert.equal(body.body, 'héllo');
      },
    },
  },
  {
    title: 'a lower-case standard method is upper case in Request',
    path: '/echo',
    init: { method: 'delete' },
    expect: { status: 200, type: 'application/json', check: (body) => assert.equal(body.method, 'DELETE') },
  },
  {
    title: 'a grant-denied outgoing call is a 500 with E0907 and the grant in the message',
    path: '/fetch?url=https://evil.test/x',
    expect: {
      status: 500,
      type: 'application/json; charset=utf-8',
      check(body) {
        assert.equal(body.error.code, 'E0907');
        assert.match(body.error.message, /grant domain denies host `evil\.test` \(allowed: api\.example\.com\)/);
      },
    },
  },
  {
    title: 'a Lumen error in handle is a 500 with its code',
    path: '/users',
    init: { method: 'POST', body: 'not json' },
    expect: {
      status: 500,
      type: 'application/json; charset=utf-8',
      check(body) {
        assert.equal(body.error.code, 'E0911');
        assert.ok(body.error.message.length > 0);
      },
    },
  },
  {
    title: 'a body that is not UTF-8 is a 400 without calling handle',
    path: '/users',
    init: () => ({ method: 'POST', body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
    expect: {
      status: 400,
      type: 'application/json; charset=utf-8',
      body: { error: { message: 'the request body is not valid UTF-8 text' } },
    },
  },
];

/** One request to `base` (`http://127.0.0.1:PORT`); `{status, type, body, text}`, `body`
 * parsed when it is JSON. */
export async function call(base, path, init = {}) {
  const res = await fetch(`${base}${path}`, typeof init === 'function' ? init() : init);
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, type, text, body: type.startsWith('application/json') ? JSON.parse(text) : text };
}

/** Sends every case to `base` and asserts its answer; returns the answers by title. */
export async function checkAll(base, log = () => '') {
  const answers = {};
  for (const c of CASES) {
    const got = await call(base, c.path, c.init);
    const where = `${c.title}: ${c.path}\n${got.text}\n${log()}`;
    assert.equal(got.status, c.expect.status, where);
    assert.equal(got.type, c.expect.type, where);
    if ('body' in c.expect) assert.deepEqual(got.body, c.expect.body, where);
    c.expect.check?.(got.body);
    answers[c.title] = got;
  }
  return answers;
}
