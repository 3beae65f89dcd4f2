// A static server for the built app (dist/), as a host would serve it: real files by path,
// index.html for every route the app handles itself, and the test chain's networks.json.
//
// With `caching`, it also answers as a good static host does, for the load-time benchmark's return
// visits: trunk's content-hashed files are immutable for a year, everything else (index.html,
// networks.json, the worker's unhashed files) is revalidated by ETag. Without it nothing is cached,
// so that a test never reads a stale build.
//
// With `precompressed`, a file's .br or .gz variant (scripts/lib/precompress.mjs) is sent instead of
// it when the request accepts that encoding, brotli first, as the README's Deployment section asks
// of a host: the first-load benchmark's bytes are then those a visitor would download.
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

/** The variants a request accepts, in the order they are preferred; q=0 refuses one. */
function acceptedEncodings(request) {
  const accepted = new Set();
  for (const part of (request.headers['accept-encoding'] ?? '').split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param))) accepted.add(name.trim().toLowerCase());
  }
  return [
    ['br', 'br'],
    ['gzip', 'gz'],
  ].filter(([encoding]) => accepted.has(encoding));
}

export function startStaticServer({ root, port, networksPath, caching = false, precompressed = false }) {
  const send = async (request, response, file, body) => {
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    // networks.json is networksPath's, which has no variants: the build's own would be stale.
    if (precompressed && file !== networksPath) {
      headers.vary = 'Accept-Encoding';
      for (const [encoding, suffix] of acceptedEncodings(request)) {
        const variant = await readFile(`${file}.${suffix}`).catch(() => null);
        if (variant) {
          headers['content-encoding'] = encoding;
          body = variant;
          break;
        }
      }
    }
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
      await send(request, response, file, await readFile(file));
    } catch {
      if (extname(path)) {
        response.writeHead(404).end();
      } else {
        const index = join(root, 'index.html');
        await send(request, response, index, await readFile(index));
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
