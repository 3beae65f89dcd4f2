// Time to first paint of the gallery with a large collection, in headless Chromium: from the start
// of navigation until the first twin card is in the DOM, with an empty browser cache of logs (a
// first visit) and with the cache the first visit left (a return visit). Measured for the seeded
// dozen (the baseline), then with BENCH_SIZES twins in all. JSON on the last line.
//
// node scripts/lib/bench-gallery.mjs [total twins...]   (default: 1000 5000)
import { chromium } from '@playwright/test';
import { CHROMIUM } from './chromium.mjs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, startLocalChain } from './localchain.mjs';
import { startStaticServer } from '../../e2e/serve.mjs';

const CHAIN_PORT = 8192;
const APP_PORT = 8193;
const SEEDED = 12;
const run = promisify(execFile);
const forge = join(ROOT, 'node_modules', '@foundry-rs', 'forge-linux-amd64', 'bin', 'forge');

const sizes = process.argv.slice(2).map(Number).filter((n) => n > SEEDED);
const networks = join(ROOT, '.run', 'bench-networks.json');
const chain = await startLocalChain({ port: CHAIN_PORT, networks, log: () => {} });
const app = await startStaticServer({ root: join(ROOT, 'dist'), port: APP_PORT, networksPath: networks });
const browser = await chromium.launch(CHROMIUM);
const results = [];
try {
  let total = SEEDED;
  for (const size of [SEEDED, ...(sizes.length ? sizes : [1_000, 5_000])]) {
    if (size > total) {
      const started = Date.now();
      await mint(size - total, total + 1);
      total = size;
      console.error(`minted up to ${total} twins in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    const cold = await firstPaint(page);
    const warm = await firstPaint(page);
    await context.close();
    results.push({ twins: total, coldMs: cold, warmMs: warm });
    console.log(`${total} twins: first card after ${cold.toFixed(0)} ms on a first visit, ${warm.toFixed(0)} ms on a return visit`);
  }
  console.log(JSON.stringify(results));
} finally {
  await browser.close();
  app.stop();
  chain.stop();
}

async function mint(count, first) {
  // In batches: one forge simulation of thousands of calls is slower than several of hundreds.
  const batch = 500;
  for (let done = 0; done < count; done += batch) {
    await run(forge, ['script', 'script/BenchTwins.s.sol', '--rpc-url', chain.url, '--broadcast', '--skip-simulation'], {
      cwd: join(ROOT, 'contracts'),
      env: {
        ...process.env,
        TWIN_REGISTRY: chain.contracts.twinRegistry,
        BENCH_TWINS: String(Math.min(batch, count - done)),
        BENCH_FIRST: String(first + done),
      },
      maxBuffer: 64 * 1024 * 1024,
    });
  }
}

async function firstPaint(page) {
  await page.goto(`${app.url}/`);
  await page.getByTestId('twin-card').first().waitFor({ timeout: 120_000 });
  return page.evaluate(() => performance.now());
}
