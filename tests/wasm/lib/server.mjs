// A tiny static HTTP server for the browser tests: serves one folder (the repository root)
// on 127.0.0.1 at a random port, with the MIME types browsers insist on (`.wasm` must be
// `application/wasm` for streaming instantiation, modules must be JavaScript).

import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { basename, dirname, extname, join, normalize, sep } from 'node:path';

/** Content types by file extension. */
export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.lm': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** The content type of a file path (`.lm.md` is markdown). */
export function contentType(path) {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Starts serving `root`; resolves to `{origin, requests, close()}`, where `requests` lists
 * every `{method, path, status}` served. `mounts` maps URL prefixes (`/pkg/`) to other
 * folders served in their place, `files` exact URL paths to files (a web server configured to
 * serve a package's `.wasm` next to a bundle).
 */
export function serve(root, mounts = {}, files = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const finish = (status, headers, body) => {
      requests.push({ method: req.method, path: req.url, status });
      res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      finish(405, { Allow: 'GET, HEAD' }, 'method not allowed\n');
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      finish(400, {}, 'bad request\n');
      return;
    }
    let base = root;
    if (Object.hasOwn(files, pathname)) {
      base = dirname(files[pathname]);
      pathname = `/${basename(files[pathname])}`;
    }
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (pathname.startsWith(prefix)) {
        base = dir;
        pathname = pathname.slice(prefix.length - 1);
        break;
      }
    }
    const file = normalize(join(base, pathname));
    if (file !== base && !file.startsWith(base.endsWith(sep) ? base : base + sep)) {
      finish(403, {}, 'forbidden\n');
      return;
    }
    let stat;
    try {
      stat = statSync(file);
    } catch {
      finish(404, { 'Content-Type': 'text/plain' }, 'not found\n');
      return;
    }
    if (!stat.isFile()) {
      finish(404, { 'Content-Type': 'text/plain' }, 'not found\n');
      return;
    }
    requests.push({ method: req.method, path: req.url, status: 200 });
    res.writeHead(200, {
      'Content-Type': contentType(file),
      'Content-Length': stat.size,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
