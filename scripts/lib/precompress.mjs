// Writes <file>.br and <file>.gz beside each text or wasm asset of a built app, for a host that
// serves precompressed files (README, Deployment). Compressing once at build time affords the
// slowest settings, brotli 11 and gzip 9, which a server compressing on the fly per request cannot:
// on the first route's wasm brotli 11 saves about a fifth over gzip, a fifth less to wait for on a
// phone's network.
//
// node scripts/lib/precompress.mjs <dir>   (run by scripts/lib/wasm-split-post.sh on release builds)
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const EXTENSIONS = new Set(['.wasm', '.js', '.css', '.html', '.json']);

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/lib/precompress.mjs <dir>');

for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !EXTENSIONS.has(extname(entry.name))) continue;
  const file = join(entry.parentPath, entry.name);
  const body = readFileSync(file);
  const variants = {
    br: brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        [constants.BROTLI_PARAM_MODE]: extname(file) === '.wasm' ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    }),
    gz: gzipSync(body, { level: 9 }),
  };
  for (const [suffix, compressed] of Object.entries(variants)) {
    // A host serves a variant whenever it exists: one no smaller than the file would cost the client.
    if (compressed.length < body.length) writeFileSync(`${file}.${suffix}`, compressed);
    else rmSync(`${file}.${suffix}`, { force: true });
  }
}
