// A static server for the built app (dist/), as a host would serve it: real files by path,
// index.html for every route the app handles itself, and the test chain's networks.json.
//
// With `caching`, it also answers as a good static host does, for the load-time benchmark's return
// visits: trunk's content-hashed files are immutable for a year, everything else (index.html,
// networks.json, the worker's unhashed files) is revalidated by ETag. Without it nothing is cached,
// so that a test never reads a stale build.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** trunk names what it fingerprints `<name>-<hash>.<ext>` (`hashtwin-c83f730fd458971_bg.wasm`). */
const HASHED = /-[0-9a-f]{12,}(_bg)?\.(js|wasm|css)$/;

export function startStaticServer({ root, port, networksPath, caching = false }) {
  const send = (request, response, file, body) => {
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (caching) {
      headers.etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 20)}"`;
      headers['cache-control'] = HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache';
      if (request.headers['if-none-match'] === headers.etag) {
        response.writeHead(304, headers).end();
        return;
      }
    }
    response.writeHead(200, headers);
    response.end(body);
  };
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    const file = path === '/networks.json' ? networksPath : join(root, path);
    try {
      send(request, response, file, await readFile(file));
    } catch {
      if (extname(path)) {
        response.writeHead(404).end();
      } else {
        const index = join(root, 'index.html');
        send(request, response, index, await readFile(index));
      }
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Port 0 takes any free port: the URL names the one given.
    server.listen(port, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() }),
    );
  });
}
