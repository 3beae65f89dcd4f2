// The hasher worker's throughput in headless Chromium, as the mine page runs it: the built
// dist/hasher_loader.js, N workers on disjoint nonce ranges of one job, hashes counted from their
// progress messages. Prints MH/s per worker and in total for each N, as JSON on the last line.
//
// node scripts/lib/bench-hasher.mjs [workers...]   (default: 1 2)
import { chromium } from '@playwright/test';
import { CHROMIUM } from './chromium.mjs';
import { join } from 'node:path';
import { ROOT } from './localchain.mjs';
import { startStaticServer } from '../../e2e/serve.mjs';

const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;
const PORT = 8190;

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const server = await startStaticServer({
  root: join(ROOT, 'dist'),
  port: PORT,
  networksPath: join(ROOT, 'public', 'networks.json'),
});
const browser = await chromium.launch(CHROMIUM);
try {
  const page = await browser.newPage();
  // Any page of the origin will do; the app itself is not needed, only its worker script.
  await page.goto(`${server.url}/favicon.svg`);
  const results = [];
  for (const workers of counts.length ? counts : [1, 2]) {
    const result = await page.evaluate(measure, { workers, warmupMs: WARMUP_MS, measureMs: MEASURE_MS });
    results.push(result);
    console.log(
      `${workers} worker(s): ${result.totalMhs.toFixed(2)} MH/s in total, ${(result.totalMhs / workers).toFixed(2)} MH/s per worker`,
    );
  }
  console.log(JSON.stringify(results));
} finally {
  await browser.close();
  server.stop();
}

/** Runs in the page. */
async function measure({ workers, warmupMs, measureMs }) {
  const header = Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 0xff);
  // A zero target: nothing is a share, so the figure is the pure hashing rate.
  const target = new Array(32).fill(0);
  const span = Math.floor(0xffffffff / workers);
  const pool = await Promise.all(
    Array.from({ length: workers }, () => {
      const worker = new Worker('/hasher_loader.js');
      return new Promise((resolve, reject) => {
        worker.onerror = (event) => reject(new Error(event.message));
        worker.onmessage = (event) =>
          event.data.kind === 'ready' && event.data.selfTestPassed ? resolve(worker) : reject(new Error('self-test failed'));
      });
    }),
  );
  let hashes = 0;
  let counting = false;
  pool.forEach((worker, index) => {
    worker.onmessage = (event) => {
      if (counting && event.data.kind === 'progress') hashes += event.data.hashes;
    };
    worker.postMessage({ kind: 'scan', jobId: 1, header, target, start: index * span, count: span });
  });
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, measureMs));
  counting = false;
  const seconds = (performance.now() - started) / 1000;
  pool.forEach((worker) => worker.terminate());
  return { workers, totalMhs: hashes / seconds / 1e6 };
}
