// Load time at a distance: the built app and the JSON-RPC node (and the indexer, when there is one)
// served through a proxy that adds a round-trip latency (100 ms), measured in headless Chromium on
// chains with long histories and with many twins (bench-chain.mjs), for this checkout's build and
// for the baseline build (the app before issue 12), both in the same run against the same chains.
//
// Figures, each the median of --runs runs:
// - first card: navigation start until the first gallery card is in the DOM, in a new browser
//   profile (empty HTTP cache, localStorage and IndexedDB), and the RPC traffic until then;
// - twin page: /twin/<id> opened directly in a new profile, until its spec, owner and listing all
//   show, and the RPC traffic until then;
// - sort and filter change: on the first visit's gallery, from the control's change event until
//   the cards (or the count) change;
// - return visit: the gallery again in the profile of the first visit, with what it cached.
// Times come from the page's own clock (a MutationObserver installed before the app loads), not
// from the test driver's polling.
//
// node scripts/lib/bench-load.mjs [--quick] [--scenarios a,b] [--runs 3] [--delay 100]
//   [--current dist] [--baseline dir --baseline-label name] [--indexer [--indexer-root dir]] [--json file]
// Progress on stderr; the table on stdout; every run's figures in --json (.run/bench-load.json).
//
// --smoke is the harness's own check, for scripts/test: one run on the seeded chain, chain reads
// only, and a failure if any figure could not be taken. It asserts no time: benchmarks are not
// tests, but a harness whose selectors no longer match the app would otherwise rot unseen.
import { chromium } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStaticServer } from '../../e2e/serve.mjs';
import { cacheSize, ensureStates, loadState, SCENARIOS } from './bench-chain.mjs';
import { findIndexer } from './bench-indexer.mjs';
import { CHROMIUM } from './chromium.mjs';
import { epochNow, startLatencyProxy } from './latency-proxy.mjs';
import { CHAIN_ID, freePort, ROOT, writeNetworks } from './localchain.mjs';

const QUICK = ['blocks-0', 'blocks-20000', 'twins-1000'];
const FULL = Object.keys(SCENARIOS);
/** What the app renders, as the e2e suite finds it. */
const SELECTORS = {
  card: '[data-testid="twin-card"]',
  count: '[data-testid="twin-count"]',
  sort: '#gallery-sort',
  maker: '#gallery-maker',
  twin: ['[data-testid="twin-spec"]', '[data-testid="owner"]', '[data-testid="listing"]'],
};
const WORK = join(ROOT, '.run', 'bench-load');

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    runs: { type: 'string', default: '3' },
    delay: { type: 'string', default: '100' },
    current: { type: 'string', default: join(ROOT, 'dist') },
    'current-label': { type: 'string', default: 'this build' },
    baseline: { type: 'string' },
    'baseline-label': { type: 'string', default: 'baseline' },
    twin: { type: 'string', default: '2' },
    indexer: { type: 'boolean', default: false },
    // Another checkout's indexer (with its node_modules), e.g. a branch's worktree before it lands.
    'indexer-root': { type: 'string', default: ROOT },
    timeout: { type: 'string', default: '240' },
    json: { type: 'string', default: join(ROOT, '.run', 'bench-load.json') },
  },
});
if (options.smoke) Object.assign(options, { scenarios: 'blocks-0', runs: '1', json: join(ROOT, '.run', 'bench-load-smoke.json') });
const scenarios = options.scenarios ? options.scenarios.split(',') : options.quick ? QUICK : FULL;
for (const id of scenarios) if (!SCENARIOS[id]) throw new Error(`unknown scenario ${id}; known: ${FULL.join(', ')}`);
const RUNS = Number(options.runs);
const DELAY = Number(options.delay);
const TIMEOUT = Number(options.timeout) * 1000;
const log = (line) => console.error(`bench load: ${line}`);

/**
 * The goals of issue 12, by figure; `when` says in which rows a goal applies. At 100 ms a round
 * trip: the first card in 1.5 s whatever the history (with or without the indexer); with the
 * indexer, a filter or sort change in 300 ms at 10,000 twins; a return visit at 10,000 twins in
 * 0.5 s, from IndexedDB.
 */
const GOALS = {
  coldCard: { ms: 1_500, when: () => true },
  sort: { ms: 300, when: (scenario, mode) => scenario === 'twins-10000' && mode === 'indexer' },
  filter: { ms: 300, when: (scenario, mode) => scenario === 'twins-10000' && mode === 'indexer' },
  warmCard: { ms: 500, when: (scenario) => scenario === 'twins-10000' },
};

// Everything started is stopped on the way out, in reverse, also on an error or a signal.
const cleanups = [];
async function cleanUp() {
  while (cleanups.length) await bounded(cleanups.pop());
}
/** Runs a stop step, which must not hang the others (and keep their processes alive). */
async function bounded(stop) {
  try {
    await Promise.race([stop(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 15 s')), 15_000).unref())]);
  } catch (error) {
    log(`clean-up of ${stop.what}: ${error.message}`);
  }
}
let interrupted = false;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(signal, () => {
    interrupted = true;
    cleanUp().finally(() => process.exit(code));
  });
}
/** Registers how to stop what was just started; returns the stop, to call when done with it. */
function started(stop, what) {
  stop.what = what;
  cleanups.push(stop);
  return async () => {
    const index = cleanups.indexOf(stop);
    if (index >= 0) cleanups.splice(index, 1);
    await bounded(stop);
  };
}

const builds = [
  { id: 'current', label: options['current-label'], dist: options.current },
  ...(options.baseline ? [{ id: 'baseline', label: options['baseline-label'], dist: options.baseline }] : []),
];
for (const build of builds) {
  if (!existsSync(join(build.dist, 'index.html'))) throw new Error(`${build.dist} has no built app (index.html)`);
}

const results = { delayMs: DELAY, runs: RUNS, builds, scenarios: {}, loadAverage: { start: loadavg()[0] } };
const startedAt = Date.now();
try {
  mkdirSync(WORK, { recursive: true });
  const key = await ensureStates(scenarios, { port: await freePort(), log });
  const indexer = options.smoke ? null : await findIndexer(options['indexer-root']);
  const browser = await chromium.launch(CHROMIUM);
  const closeBrowser = started(() => browser.close(), 'Chromium');
  for (const scenario of scenarios) {
    results.scenarios[scenario] = await measureScenario(browser, key, scenario, indexer);
  }
  await closeBrowser();
  results.seconds = (Date.now() - startedAt) / 1000;
  results.loadAverage.end = loadavg()[0];
  results.cacheBytes = cacheSize();
  writeFileSync(options.json, JSON.stringify(results, null, 2) + '\n');
  printTable(results);
  if (options.smoke) smokeCheck(results);
  // Two cores shared with compilers: a busy machine shows in every figure, so the run says so.
  console.log(
    `\nbench load took ${formatDuration(results.seconds)} (load average ${results.loadAverage.start.toFixed(1)} at the start, ` +
      `${results.loadAverage.end.toFixed(1)} at the end); chain cache ${(results.cacheBytes / 1e6).toFixed(1)} MB; every run in ${options.json}`,
  );
} catch (error) {
  // Stopped by a signal: what failed is the clean-up pulling things from under the run.
  if (!interrupted) throw error;
} finally {
  await cleanUp();
}

async function measureScenario(browser, key, scenario, indexer) {
  const chain = await loadState(key, scenario, { port: await freePort() });
  const stopChain = started(() => chain.stop(), `anvil (pid ${chain.pid})`);
  const rpcProxy = await startLatencyProxy({ upstream: chain.url, delayMs: DELAY });
  const stopRpcProxy = started(() => rpcProxy.stop(), 'the RPC proxy');
  const networks = join(WORK, 'networks.json');
  const apps = {};
  for (const build of builds) {
    const server = await startStaticServer({ root: build.dist, port: 0, networksPath: networks, caching: true });
    const stopServer = started(() => server.stop(), `the ${build.id} app's server`);
    const proxy = await startLatencyProxy({ upstream: server.url, delayMs: DELAY });
    const stopProxy = started(() => proxy.stop(), `the ${build.id} app's proxy`);
    apps[build.id] = { proxy, stop: async () => (await stopProxy(), await stopServer()) };
  }
  const { info } = chain;
  log(`${scenario}: chain at block ${info.head}, ${info.twins} twins, deployed at block ${info.contracts.deploymentBlock}`);
  const outcome = { chain: info, modes: {} };
  try {
    writeNetworks({ source: join(ROOT, 'public', 'networks.json'), target: networks, rpcUrl: rpcProxy.url, contracts: chain.contracts });
    setIndexerUrl(networks, null);
    outcome.modes.chain = await measureMode(browser, scenario, 'chain', builds, apps, rpcProxy);

    const wanted = indexerWanted();
    if (options.smoke) {
      // The smoke check reads the chain only.
    } else if (!indexer || !wanted.yes) {
      outcome.modes.indexer = { skipped: !indexer ? 'no indexer in this checkout (indexer/ponder.config.ts or scripts/lib/indexer.mjs)' : wanted.why };
    } else {
      outcome.modes.indexer = await withIndexer(indexer, scenario, chain, async (indexerProxy, path) => {
        writeNetworks({ source: join(ROOT, 'public', 'networks.json'), target: networks, rpcUrl: rpcProxy.url, contracts: chain.contracts });
        setIndexerUrl(networks, indexerProxy.url + path);
        // The baseline does not know indexerUrl: its rows are the chain's, measured above.
        return measureMode(browser, scenario, 'indexer', builds.filter((build) => build.id === 'current'), apps, rpcProxy, indexerProxy);
      });
    }
  } finally {
    for (const app of Object.values(apps)) await app.stop();
    await stopRpcProxy();
    await stopChain();
  }
  return outcome;
}

async function measureMode(browser, scenario, mode, measured, apps, rpcProxy, indexerProxy) {
  const runs = Object.fromEntries(measured.map((build) => [build.id, []]));
  for (let run = 0; run < RUNS; run++) {
    // Alternating which build goes first spreads whatever else this machine is doing over both.
    const order = run % 2 === 0 ? measured : [...measured].reverse();
    for (const build of order) {
      const figures = await measureBuild(browser, apps[build.id].proxy, rpcProxy, indexerProxy);
      runs[build.id].push(figures);
      log(`${scenario} ${mode} ${build.label} run ${run + 1}/${RUNS}: ${describe(figures)}`);
    }
  }
  return { runs, median: Object.fromEntries(Object.entries(runs).map(([id, list]) => [id, medianOf(list)])) };
}

/** One of each visit, each in the profile it needs. */
async function measureBuild(browser, appProxy, rpcProxy, indexerProxy) {
  const figures = {};
  const gallery = await newProfile(browser);
  try {
    const cold = await visit(gallery, `${appProxy.url}/`, 'card', rpcProxy, indexerProxy);
    Object.assign(figures, { coldCard: cold.ms, coldCardRpc: cold.rpc, coldCardIndexer: cold.indexer, errors: cold.errors });
    if (cold.ms !== null) {
      figures.sort = await change(cold.page, 'sort');
      figures.filter = await change(cold.page, 'filter');
    }
    await cold.page.close();
    const warm = await visit(gallery, `${appProxy.url}/`, 'card', rpcProxy, indexerProxy);
    Object.assign(figures, { warmCard: warm.ms, warmCardRpc: warm.rpc, warmCardIndexer: warm.indexer });
    figures.errors.push(...warm.errors);
    await warm.page.close();
  } finally {
    await gallery.close();
  }
  const twinProfile = await newProfile(browser);
  try {
    const twin = await visit(twinProfile, `${appProxy.url}/twin/${options.twin}`, 'twin', rpcProxy, indexerProxy);
    Object.assign(figures, { coldTwin: twin.ms, coldTwinRpc: twin.rpc, coldTwinIndexer: twin.indexer });
    figures.errors.push(...twin.errors);
    await twin.page.close();
  } finally {
    await twinProfile.close();
  }
  return figures;
}

async function newProfile(browser) {
  const context = await browser.newContext();
  await context.addInitScript(installMarks, SELECTORS);
  return context;
}

/** Runs in the page before the app: notes when each thing measured first shows. */
function installMarks(selectors) {
  const marks = (window.__bench = {});
  const filled = (selector) => (document.querySelector(selector)?.textContent ?? '').trim() !== '';
  const check = () => {
    const now = performance.now();
    if (!('card' in marks) && document.querySelector(selectors.card)) marks.card = now;
    if (!('twin' in marks) && selectors.twin.every(filled)) marks.twin = now;
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
}

/** Opens `url` in a new page of `context` and waits for `mark`. The page stays open. */
async function visit(context, url, mark, rpcProxy, indexerProxy) {
  const page = await context.newPage();
  // Uncaught errors only: an app may log a failed request it recovers from as a console error.
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const from = epochNow();
  try {
    await page.goto(url, { waitUntil: 'commit', timeout: TIMEOUT });
    await page.waitForFunction((name) => window.__bench && name in window.__bench, mark, { timeout: TIMEOUT, polling: 50 });
    const { at, origin } = await page.evaluate((name) => ({ at: window.__bench[name], origin: performance.timeOrigin }), mark);
    // Requests the page sent up to the moment it showed what was measured.
    const until = origin + at + 1;
    return { page, ms: at, rpc: rpcProxy.since(from, until), indexer: indexerProxy?.since(from, until), errors };
  } catch (error) {
    errors.push(`${mark} not shown: ${error.message.split('\n')[0]}`);
    return { page, ms: null, rpc: rpcProxy.since(from), indexer: indexerProxy?.since(from), errors };
  }
}

/**
 * A sort or maker filter chosen as a user would, timed in the page from the change event until the
 * first card (sort) or the count (filter) differs. A sort that happens to leave the first card
 * where it was is followed by the next sort.
 */
async function change(page, kind) {
  try {
    await page.waitForSelector(SELECTORS.count, { timeout: 10_000 });
    const outcome = await page.evaluate(
      async ({ selectors, kind }) => {
        const select = document.querySelector(kind === 'sort' ? selectors.sort : selectors.maker);
        if (!select) return { error: `no ${kind} control` };
        const first = () => {
          const card = document.querySelector(selectors.card);
          return card ? (card.querySelector('a')?.getAttribute('href') ?? card.textContent) : null;
        };
        const watched = kind === 'sort' ? first : () => document.querySelector(selectors.count)?.textContent;
        const until = (done, ms) =>
          new Promise((resolve) => {
            if (done()) return resolve(true);
            const observer = new MutationObserver(() => {
              if (!done()) return;
              observer.disconnect();
              resolve(true);
            });
            observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
            setTimeout(() => (observer.disconnect(), resolve(done())), ms);
          });
        for (const option of [...select.options].filter((option) => option.value !== select.value && option.value !== '')) {
          const before = watched();
          const start = performance.now();
          select.value = option.value;
          select.dispatchEvent(new Event('change', { bubbles: true }));
          const changed = await until(() => watched() !== before && document.querySelector(selectors.card) !== null, 10_000);
          if (changed) return { ms: performance.now() - start, option: option.value };
        }
        return { error: `no ${kind} changed what the gallery shows` };
      },
      { selectors: SELECTORS, kind },
    );
    return outcome.ms ?? null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The indexer (bench-indexer.mjs). Its rows run when the checkout has one and the app reads it:
// networks.json names an indexerUrl, or --indexer.

function indexerWanted() {
  if (options.indexer) return { yes: true };
  const shipped = JSON.parse(readFileSync(join(ROOT, 'public', 'networks.json'), 'utf8'));
  const local = shipped.networks.find((network) => network.chainId === CHAIN_ID);
  return local && 'indexerUrl' in local
    ? { yes: true }
    : { yes: false, why: "public/networks.json names no indexerUrl for the local chain (the app does not read one yet); --indexer runs them anyway" };
}

/** Points the app at the indexer, or (`url` null) at no indexer: the shipped networks.json names
 * the dev indexer's port, where another chain's indexer may be running. */
function setIndexerUrl(path, url) {
  const config = JSON.parse(readFileSync(path, 'utf8'));
  const local = config.networks.find((network) => network.chainId === CHAIN_ID);
  if (url) local.indexerUrl = url;
  else delete local.indexerUrl;
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n');
}

/** Starts the indexer on `chain`, behind its own latency proxy, runs `measure`, stops both. */
async function withIndexer(indexer, scenario, chain, measure) {
  // The indexer reads the node directly, as it would from a provider next to it: only the
  // browser is far away.
  const networks = join(WORK, 'indexer-networks.json');
  writeNetworks({ source: join(ROOT, 'public', 'networks.json'), target: networks, rpcUrl: chain.url, contracts: chain.contracts });
  const dataDir = join(WORK, `indexer-${scenario}`);
  rmSync(dataDir, { recursive: true, force: true });
  const began = Date.now();
  const service = await indexer.start({ root: options['indexer-root'], networks, rpcUrl: chain.url, head: chain.info.head, port: await freePort(), dataDir, log, track: started });
  const stopService = started(() => service.stop(), 'the indexer');
  log(`${scenario}: indexer (${indexer.how}) caught up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  const proxy = await startLatencyProxy({ upstream: service.url, delayMs: DELAY });
  const stopProxy = started(() => proxy.stop(), "the indexer's proxy");
  try {
    return { ...(await measure(proxy, service.path ?? '')), how: indexer.how, catchUpSeconds: (Date.now() - began) / 1000 };
  } finally {
    await stopProxy();
    await stopService();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Figures into a table.

function smokeCheck(results) {
  const missing = [];
  for (const [scenario, outcome] of Object.entries(results.scenarios)) {
    for (const [build, runs] of Object.entries(outcome.modes.chain.runs)) {
      for (const run of runs) {
        for (const figure of ['coldCard', 'coldTwin', 'sort', 'filter', 'warmCard']) {
          if (typeof run[figure] !== 'number') missing.push(`${scenario} ${build} ${figure}`);
        }
        if (!(run.coldCardRpc?.calls > 0)) missing.push(`${scenario} ${build} RPC calls until the first card`);
        if (run.errors.length) missing.push(`${scenario} ${build} page errors: ${run.errors.join(' | ')}`);
      }
    }
  }
  if (missing.length) {
    console.error(`bench load --smoke: not measured: ${missing.join('; ')}`);
    process.exitCode = 1;
  }
}

function median(values) {
  const numbers = values.filter((value) => typeof value === 'number').sort((a, b) => a - b);
  if (numbers.length === 0) return null;
  const middle = Math.floor(numbers.length / 2);
  return numbers.length % 2 ? numbers[middle] : (numbers[middle - 1] + numbers[middle]) / 2;
}

function medianOf(runs) {
  const out = {};
  for (const figure of ['coldCard', 'sort', 'filter', 'warmCard', 'coldTwin']) {
    // A run that timed out counts as the slowest: one timeout in three is no median of the others.
    const values = runs.map((run) => run[figure] ?? Infinity);
    const value = median(values);
    out[figure] = value === Infinity ? null : value;
    out[`${figure}Timeouts`] = runs.filter((run) => run[figure] === null || run[figure] === undefined).length;
  }
  for (const traffic of ['coldCardRpc', 'warmCardRpc', 'coldTwinRpc', 'coldCardIndexer', 'warmCardIndexer', 'coldTwinIndexer']) {
    if (!runs.some((run) => run[traffic])) continue;
    out[traffic] = Object.fromEntries(
      ['requests', 'preflights', 'rpcRequests', 'batches', 'calls', 'serial'].map((field) => [field, median(runs.map((run) => run[traffic]?.[field]))]),
    );
  }
  return out;
}

function ms(value) {
  return value === null || value === undefined ? '-' : `${Math.round(value).toLocaleString('en-US')} ms`;
}

function rpcText(traffic) {
  return traffic ? `${traffic.rpcRequests} req, ${traffic.calls} calls, ${traffic.serial} serial, ${traffic.preflights} pre` : '-';
}

function describe(figures) {
  const parts = [
    `first card ${ms(figures.coldCard)} (${rpcText(figures.coldCardRpc)})`,
    `twin page ${ms(figures.coldTwin)} (${rpcText(figures.coldTwinRpc)})`,
    `sort ${ms(figures.sort)}`,
    `filter ${ms(figures.filter)}`,
    `return ${ms(figures.warmCard)}`,
  ];
  if (figures.errors?.length) parts.push(`page errors: ${[...new Set(figures.errors)].slice(0, 3).join(' | ')}`);
  return parts.join('; ');
}

function formatDuration(seconds) {
  return seconds >= 90 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${seconds.toFixed(1)} s`;
}

function printTable(results) {
  const rows = [];
  const baselineLabel = builds.find((build) => build.id === 'baseline')?.label ?? 'baseline';
  const currentLabel = builds.find((build) => build.id === 'current').label;
  const header = ['scenario', 'reads', 'figure', 'goal', baselineLabel, currentLabel, 'goal met'];
  const notes = [];
  for (const [scenario, outcome] of Object.entries(results.scenarios)) {
    const base = outcome.modes.chain.median.baseline;
    for (const [mode, measured] of Object.entries(outcome.modes)) {
      const label = SCENARIOS[scenario].label;
      if (measured.skipped) {
        if (!notes.includes(measured.skipped)) notes.push(measured.skipped);
        rows.push([label, 'indexer', 'not run (see below)', '', '', '', '']);
        continue;
      }
      const now = measured.median.current;
      const timeRow = (figure, name) => {
        // The goals are set at 100 ms a round trip; at another latency they do not apply.
        const goal = DELAY === 100 && GOALS[figure]?.when(scenario, mode) ? GOALS[figure].ms : null;
        const shown = (value, timeouts) => (value === null ? `timeout (${timeouts}/${RUNS})` : ms(value));
        const verdict = goal === null ? '-' : now[figure] !== null && now[figure] <= goal ? 'met' : 'MISSED';
        rows.push([
          label,
          mode,
          name,
          goal === null ? '-' : `<= ${goal.toLocaleString('en-US')} ms`,
          base ? shown(base[figure], base[`${figure}Timeouts`]) : '-',
          shown(now[figure], now[`${figure}Timeouts`]),
          verdict,
        ]);
      };
      // With the indexer, what the page asked it is part of the traffic.
      const indexerText = (traffic) => (mode === 'indexer' ? `; indexer ${now[traffic.replace('Rpc', 'Indexer')]?.requests ?? 0} req` : '');
      const trafficRow = (traffic, name) =>
        rows.push([label, mode, name, '-', base ? rpcText(base[traffic]) : '-', rpcText(now[traffic]) + indexerText(traffic), '-']);
      timeRow('coldCard', 'first card, first visit');
      trafficRow('coldCardRpc', '  requests until then');
      timeRow('coldTwin', `twin #${options.twin} (spec, owner, listing), first visit`);
      trafficRow('coldTwinRpc', '  requests until then');
      timeRow('sort', 'sort change');
      timeRow('filter', 'filter change (maker)');
      timeRow('warmCard', 'first card, return visit');
      trafficRow('warmCardRpc', '  requests until then');
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(`\n${line(header)}`);
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    `\nEvery round trip to the app, the node and the indexer +${DELAY} ms (a proxy; connection set-up not modelled). ` +
      `Medians of ${RUNS} run(s), a timeout counted as the slowest. ` +
      `"req" are HTTP requests carrying JSON-RPC, "calls" the calls in them (a batch counts each), ` +
      `"serial" the round trips the page waited for one after another (CORS preflights included), "pre" the preflights.`,
  );
  if (DELAY !== 100) console.log(`The goals are set at +100 ms a round trip: not judged at +${DELAY} ms.`);
  console.log(
    (builds.some((build) => build.id === 'baseline')
      ? `baseline: the app at ${baselineLabel}, before issue 12, built and measured in this run against the same chains. `
      : 'No baseline build measured. ') +
      `A first visit is a new browser profile; a return visit the same profile again (HTTP cache, localStorage, IndexedDB); ` +
      `static files are served with the caching headers of a good static host.`,
  );
  for (const note of notes) console.log(`indexer rows: ${note}.`);
}
