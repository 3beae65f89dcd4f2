// First load on a phone's network (issue 15): time from navigation start until the first gallery
// card is visible, under Chromium's own network emulation at "slow 4G" (1.6 Mbit/s down, 750 kbit/s
// up, 150 ms per request), for this checkout's release build and for its unsplit build (the same
// checkout without lazy routes, built by scripts/bench in the same run), both served with their
// brotli and gzip variants and a static host's caching headers, against the seeded demo chain.
//
// The emulation is Chromium's (CDP Network.emulateNetworkConditions), not a proxy's: it throttles
// bandwidth as well as latency, which is what a split build saves on. It applies to every request
// of the page, the JSON-RPC calls to the chain included.
//
// Each run is a new browser context: a cold visit with the HTTP cache disabled
// (Network.setCacheDisabled, whose responses are still stored), then a warm one, a second page of the
// same context with the cache on (HTTP cache, localStorage and IndexedDB from the first). Builds
// alternate which goes first; the figures are medians of --runs.
//
// node scripts/lib/bench-firstload.mjs --current dist --baseline .run/bench-unsplit/dist [--runs 3]
// Progress on stderr; the table on stdout.
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStaticServer } from '../../e2e/serve.mjs';
import { ensureStates, loadState } from './bench-chain.mjs';
import { CHROMIUM } from './chromium.mjs';
import { freePort, ROOT, writeNetworks } from './localchain.mjs';

/** The "slow 4G", in CDP's units: bytes per second and milliseconds. */
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };
const GOALS = { cold: 3_000, warm: 1_000 };
const CARD = '[data-testid="twin-card"]';
const SCENARIO = 'blocks-0';

const { values: options } = parseArgs({
  options: {
    current: { type: 'string', default: join(ROOT, 'dist') },
    baseline: { type: 'string' },
    runs: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '120' },
  },
});
const RUNS = Number(options.runs);
const TIMEOUT = Number(options.timeout) * 1000;
const log = (line) => console.error(`bench firstload: ${line}`);
const builds = [
  { id: 'current', label: 'this build (split)', dist: options.current },
  ...(options.baseline ? [{ id: 'baseline', label: 'unsplit (baseline)', dist: options.baseline }] : []),
];
for (const build of builds) {
  if (!existsSync(join(build.dist, 'index.html'))) throw new Error(`${build.dist} has no built app (index.html)`);
  // Without the variants the figure would be of an uncompressed download no host ships.
  if (!existsSync(join(build.dist, 'index.html.br'))) throw new Error(`${build.dist} has no precompressed files: a release build writes them`);
}

// Stopped in reverse on the way out, also on a signal.
const cleanups = [];
const cleanUp = async () => {
  while (cleanups.length) await cleanups.pop()().catch((error) => log(`clean-up: ${error.message}`));
};
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.on(signal, () => cleanUp().finally(() => process.exit(code)));

try {
  const key = await ensureStates([SCENARIO], { port: await freePort(), log });
  const chain = await loadState(key, SCENARIO, { port: await freePort() });
  cleanups.push(async () => chain.stop());
  const networks = join(ROOT, '.run', 'bench-firstload-networks.json');
  writeNetworks({ source: join(ROOT, 'public', 'networks.json'), target: networks, rpcUrl: chain.url, contracts: chain.contracts });
  for (const build of builds) {
    const server = await startStaticServer({ root: build.dist, port: 0, networksPath: networks, caching: true, precompressed: true });
    cleanups.push(async () => server.stop());
    build.url = server.url;
    build.runs = [];
  }
  const browser = await chromium.launch(CHROMIUM);
  cleanups.push(() => browser.close());
  for (let run = 0; run < RUNS; run++) {
    for (const build of run % 2 === 0 ? builds : [...builds].reverse()) {
      const figures = await measure(browser, build.url);
      build.runs.push(figures);
      log(`${build.label} run ${run + 1}/${RUNS}: cold ${text(figures.cold)}; warm ${text(figures.warm)}`);
    }
  }
  printTable();
} finally {
  await cleanUp();
}

/** A cold visit and a warm one, in a context of their own. */
async function measure(browser, url) {
  const context = await browser.newContext();
  await context.addInitScript(markFirstCard, CARD);
  try {
    const cold = await visit(context, url, { cacheDisabled: true });
    const warm = await visit(context, url, { cacheDisabled: false });
    return { cold, warm };
  } finally {
    await context.close();
  }
}

/** Runs in the page before the app: notes when a card is first visible, checked on every change of
 * the DOM and every frame (a style that arrives later can show a card without a DOM change). */
function markFirstCard(selector) {
  const check = () => {
    if (window.__firstCard !== undefined) return;
    const card = document.querySelector(selector);
    if (card && card.checkVisibility({ opacityProperty: true, visibilityProperty: true }) && card.getBoundingClientRect().height > 0) {
      window.__firstCard = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
  const frame = () => (check(), window.__firstCard === undefined && requestAnimationFrame(frame));
  requestAnimationFrame(frame);
}

/** One visit to `url` in a new page of `context`: { ms, bytes, requests, fromCache, errors }. */
async function visit(context, url, { cacheDisabled }) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const cdp = await context.newCDPSession(page);
  const traffic = { bytes: 0, requests: 0, fromCache: 0 };
  // The memory cache reports in the first event, the disk cache in the second; a hit may show in both.
  const cached = new Set();
  const hit = (requestId) => cached.has(requestId) || (cached.add(requestId), traffic.fromCache++);
  cdp.on('Network.requestWillBeSent', () => traffic.requests++);
  cdp.on('Network.requestServedFromCache', ({ requestId }) => hit(requestId));
  cdp.on('Network.responseReceived', ({ requestId, response }) => response.fromDiskCache && hit(requestId));
  cdp.on('Network.loadingFinished', ({ encodedDataLength }) => (traffic.bytes += encodedDataLength));
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled });
  try {
    await page.goto(`${url}/`, { waitUntil: 'commit', timeout: TIMEOUT });
    await page.waitForFunction(() => window.__firstCard !== undefined, null, { timeout: TIMEOUT, polling: 50 });
    // Taken when the driver sees the card (within 50 ms): what the app fetches later is not the card's.
    const until = { ...traffic };
    return { ms: await page.evaluate(() => window.__firstCard), ...until, errors };
  } catch (error) {
    errors.push(`no card: ${error.message.split('\n')[0]}`);
    return { ms: null, ...traffic, errors };
  } finally {
    await page.close();
  }
}

function median(values) {
  // A run that timed out counts as the slowest.
  const sorted = values.map((value) => value ?? Infinity).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return value === Infinity ? null : value;
}

function ms(value) {
  return value === null ? 'timeout' : `${Math.round(value).toLocaleString('en-US')} ms`;
}
function kb(bytes) {
  return `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;
}
function text(visit) {
  const errors = visit.errors.length ? `; page errors: ${[...new Set(visit.errors)].slice(0, 3).join(' | ')}` : '';
  return `${ms(visit.ms)}, ${kb(visit.bytes)} in ${visit.requests} requests (${visit.fromCache} from the cache)${errors}`;
}

function printTable() {
  const rows = [];
  for (const kind of ['cold', 'warm']) {
    const name = kind === 'cold' ? 'first card, cold cache' : 'first card, return visit';
    const figure = (build) => median(build.runs.map((run) => run[kind].ms));
    const [current, baseline] = builds;
    const now = figure(current);
    rows.push([
      name,
      `<= ${GOALS[kind].toLocaleString('en-US')} ms`,
      ms(now),
      baseline ? ms(figure(baseline)) : '-',
      now !== null && now <= GOALS[kind] ? 'met' : 'MISSED',
    ]);
    const downloaded = (build) => {
      const bytes = median(build.runs.map((run) => run[kind].bytes));
      const cached = median(build.runs.map((run) => run[kind].fromCache));
      return `${kb(bytes)}, ${cached} from cache`;
    };
    rows.push([`  transferred until then`, '-', downloaded(current), baseline ? downloaded(baseline) : '-', '-']);
    const each = (build) => build.runs.map((run) => ms(run[kind].ms)).join(', ');
    rows.push(['  each run', '-', each(current), baseline ? each(baseline) : '-', '-']);
  }
  const header = ['slow 4G (1.6 Mbit/s, 150 ms)', 'goal', builds[0].label, builds[1]?.label ?? 'baseline', 'goal met'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n${line(header)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  const { downloadThroughput, uploadThroughput, latency } = SLOW_4G;
  console.log(
    [
      '',
      `How: headless Chromium, every request of the page (app files and JSON-RPC alike) throttled by CDP`,
      `Network.emulateNetworkConditions: ${downloadThroughput.toLocaleString('en-US')} B/s down, ${uploadThroughput.toLocaleString('en-US')} B/s up, ${latency} ms each.`,
      `Time from navigation start to the first ${CARD} visible, on the page's own clock. Cold: a new`,
      `browser context, Network.setCacheDisabled; return visit: a second page of that context, cache on.`,
      `Medians of ${RUNS} run(s), a timeout counted as the slowest. Both builds served from 127.0.0.1 with`,
      `their .br/.gz variants (Content-Encoding by Accept-Encoding), hashed files immutable, the rest`,
      `revalidated by ETag, against the seeded demo chain (anvil). "transferred": bytes over the emulated`,
      `network until the card showed, headers included; "from cache": responses the HTTP cache served.`,
      ...(builds[1] ? [`baseline: this checkout built without the \`split\` feature in this run (${builds[1].dist}).`] : []),
    ].join('\n'),
  );
}
