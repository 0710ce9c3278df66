// The reference for tests/bench/edge_load.mjs: the routes of examples/edge_api.lm.md that
// the benchmark requests, written directly in JavaScript as a Cloudflare module worker
// (no Lumen), with the same answers.
const USERS = [
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Grace' },
];

const json = (status, value) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const parts = url.pathname.split('/').filter((s) => s !== '');
    if (parts.length === 0) return json(200, { service: 'edge_api' });
    if (parts[0] === 'users' && request.method === 'GET') {
      if (parts.length === 1) return json(200, USERS);
      const u = USERS.find((u) => u.id === Number(parts[1]));
      return u ? json(200, u) : json(404, { error: `no user ${parts[1]}` });
    }
    if (parts[0] === 'hello') {
      const name = url.searchParams.get('name') ?? 'world';
      return new Response(`hello, ${name}\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    return json(404, { error: `no route for ${request.method} ${url.pathname}` });
  },
};
