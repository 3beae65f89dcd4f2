// The hasher's throughput in headless Chromium, two ways, for each worker count N:
//
// - bare: the built dist/hasher_loader.js, N workers on disjoint nonce ranges of one job under a
//   zero target (nothing is ever a share), hashes counted from their progress messages. The pure
//   hashing rate, and the baseline of the next.
// - pool: the real pool as the mine page runs it (src/pages/mine.rs, src/miner/pool.rs): on /mine
//   of the built app, on a seeded local chain, with an injected wallet; N threads chosen, the box
//   ticked, Start pressed. The workers hash under the ledger's minimum difficulty, so shares are
//   found, and the main thread verifies each, queues and stores it and updates the page as it does
//   for a visitor. Its hashes are counted from the same progress messages, as the pool receives them.
//
// Each round measures every count both ways, bare first; the best round of each is kept, since on a
// shared machine other work only ever slows a round down. Prints MH/s per worker and in total for
// each, as JSON on the last line (each round's figures go to stderr as they come).
//
// node scripts/lib/bench-hasher.mjs [--bare-only] [--rounds N] [workers...]   (default: 1 round, 1 2)
//
// `measurePool` is exported for the e2e suite, which runs it briefly on its own chain (no timing
// asserted there): the benchmark's way through the mine page stays working.
import { chromium } from '@playwright/test';
import headlessWeb3Provider from 'headless-web3-provider';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from './chromium.mjs';
import { ANVIL_KEYS, CHAIN_ID, ROOT, startLocalChain } from './localchain.mjs';
import { startStaticServer } from '../../e2e/serve.mjs';

// The package is CommonJS with exports Node cannot list statically: take them from its default.
const { injectHeadlessWeb3Provider, Web3RequestKind } = headlessWeb3Provider;

const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;
const APP_PORT = 8190;
const CHAIN_PORT = 8191;
/** A seeded investor, as in the e2e suite: any funded account would do, mining sends nothing. */
export const VISITOR = 8;

// src/miner/protocol.rs: each message is a Uint32Array, its first word the kind.
export const PROTOCOL = { SCAN: 1, READY: 11, PROGRESS: 12 };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const bareOnly = args.includes('--bare-only');
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 1;
  const counts = args.map(Number).filter((n) => n > 0);
  await main(counts.length ? counts : [1, 2], bareOnly, Math.max(1, rounds || 1));
}

async function main(counts, bareOnly, rounds) {
  const networks = join(ROOT, '.run', 'bench-hasher-networks.json');
  const chain = bareOnly ? null : await startLocalChain({ port: CHAIN_PORT, networks, log: () => {} });
  const server = await startStaticServer({
    root: join(ROOT, 'dist'),
    port: APP_PORT,
    networksPath: bareOnly ? join(ROOT, 'public', 'networks.json') : networks,
  });
  const browser = await chromium.launch(CHROMIUM);
  try {
    const best = new Map(counts.map((workers) => [workers, { workers, totalMhs: 0 }]));
    for (let round = 1; round <= rounds; round++) {
      for (const workers of counts) {
        const result = best.get(workers);
        const page = await browser.newPage();
        // Any page of the origin will do; the app itself is not needed, only its worker script.
        await page.goto(`${server.url}/favicon.svg`);
        const bare = await page.evaluate(measureBare, { workers, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, kinds: PROTOCOL });
        await page.close();
        console.error(
          `round ${round}, bare, ${workers} worker(s): ${bare.totalMhs.toFixed(2)} MH/s in total, ` +
            `${(bare.totalMhs / workers).toFixed(2)} MH/s per worker`,
        );
        result.totalMhs = Math.max(result.totalMhs, bare.totalMhs);
        if (!chain) continue;
        const context = await browser.newContext();
        const poolPage = await context.newPage();
        await injectHeadlessWeb3Provider(poolPage, [ANVIL_KEYS[VISITOR]], CHAIN_ID, chain.url, {
          permitted: [Web3RequestKind.RequestAccounts],
        });
        const pool = await measurePool(poolPage, { mineUrl: `${server.url}/mine`, workers, warmupMs: WARMUP_MS, measureMs: MEASURE_MS });
        await context.close();
        console.error(
          `round ${round}, pool on /mine, ${workers} worker(s): ${pool.totalMhs.toFixed(2)} MH/s in total, ` +
            `${(pool.totalMhs / workers).toFixed(2)} MH/s per worker, ${pool.shares} share(s) found and verified ` +
            `(the ledger's minimum: a share in about ${pool.work})`,
        );
        if (pool.totalMhs > (result.poolTotalMhs ?? 0)) {
          Object.assign(result, { poolTotalMhs: pool.totalMhs, poolShares: pool.shares, poolWork: pool.work });
        }
      }
    }
    const results = [...best.values()];
    console.log(JSON.stringify(results));
  } finally {
    await browser.close();
    server.stop();
    chain?.stop();
  }
}

/**
 * The pool as a visitor runs it: opens `mineUrl` in `page` (which has a wallet that grants accounts
 * unasked), connects, chooses `workers` threads, ticks the box and starts; after `warmupMs`, counts
 * for `measureMs` the hashes of the progress messages that reach the page, then stops. The shares
 * are what the page says it found and verified in that time.
 */
export async function measurePool(page, { mineUrl, workers, warmupMs, measureMs }) {
  // Counts what every worker the page starts reports, beside the pool's own handler.
  await page.addInitScript((PROGRESS) => {
    const tally = (window.__hasherTally = { hashes: 0 });
    const Native = window.Worker;
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (event) => {
          if (event.data instanceof Uint32Array && event.data[0] === PROGRESS) tally.hashes += event.data[2];
        });
      }
    };
  }, PROTOCOL.PROGRESS);
  await page.goto(mineUrl);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByTestId('account').waitFor();
  await page.locator('#mine-threads').selectOption(String(workers));
  await page.getByTestId('difficulty').waitFor();
  await page.getByLabel(/Use this device's processor/).check();
  await page.getByRole('button', { name: 'Start mining' }).click();
  await page.waitForFunction(
    (workers) =>
      document.querySelector('[data-testid="miner-status"]')?.textContent === 'Mining. Hasher self-test passed.' &&
      document.querySelector('[data-testid="workers"]')?.textContent === String(workers),
    workers,
    { timeout: 30_000 },
  );
  await page.waitForTimeout(warmupMs);
  const sharesShown = async () => Number(await page.getByTestId('shares-found').textContent());
  const sample = () => page.evaluate(() => ({ hashes: window.__hasherTally.hashes, at: performance.now() }));
  const [first, sharesBefore] = [await sample(), await sharesShown()];
  await page.waitForTimeout(measureMs);
  const last = await sample();
  // The page shows shares on its next tick at the latest.
  await page.waitForTimeout(1_500);
  const shares = (await sharesShown()) - sharesBefore;
  const difficulty = await page.getByTestId('difficulty').textContent();
  const work = difficulty.match(/about (.+) each/)?.[1] ?? difficulty;
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('miner-status').filter({ hasText: 'Not mining.' }).waitFor();
  const seconds = (last.at - first.at) / 1000;
  return { workers, totalMhs: (last.hashes - first.hashes) / seconds / 1e6, hashes: last.hashes - first.hashes, shares, work };
}

/** Runs in a page of the app's origin: `page.evaluate(measureBare, { workers, warmupMs, measureMs,
 * kinds: PROTOCOL })`. */
export async function measureBare({ workers, warmupMs, measureMs, kinds }) {
  const header = Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 0xff);
  // Four header bytes to a word, the first in the low byte; a zero target: nothing is a share, so
  // the figure is the pure hashing rate.
  const bytes = new DataView(new Uint8Array(header).buffer);
  const headerWords = Array.from({ length: 20 }, (_, i) => bytes.getUint32(4 * i, true));
  const targetWords = new Array(8).fill(0);
  const span = Math.floor(0xffffffff / workers);
  const pool = await Promise.all(
    Array.from({ length: workers }, () => {
      const worker = new Worker('/hasher_loader.js');
      return new Promise((resolve, reject) => {
        worker.onerror = (event) => reject(new Error(event.message));
        worker.onmessage = ({ data }) =>
          data[0] === kinds.READY && data[1] === 1 ? resolve(worker) : reject(new Error(`not ready: ${data}`));
      });
    }),
  );
  let hashes = 0;
  let counting = false;
  pool.forEach((worker, index) => {
    worker.onmessage = ({ data }) => {
      if (counting && data[0] === kinds.PROGRESS) hashes += data[2];
    };
    worker.postMessage(new Uint32Array([kinds.SCAN, 1, index * span, span, ...headerWords, ...targetWords]));
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
