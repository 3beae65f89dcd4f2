// The gallery by earnings: sorted by yield, filtered to twins that pay on time and pay in full. What
// each should show is worked out here from the chain itself (the settlements, the lens's open
// periods, the prices, the telemetry), not written down, and both passes of the suite hold the app to
// it: reading the chain, and on the indexer, where the indexer's answers are also held against the
// chain reader's in the same run.
import { readFileSync } from 'node:fs';
import { createPublicClient, http, toEventSelector } from 'viem';
import { test, expect } from './fixtures.mjs';
import { WITH_INDEXER } from './global-setup.mjs';

const abi = (name) => JSON.parse(readFileSync(new URL(`../contracts/out/${name}.sol/${name}.json`, import.meta.url), 'utf8')).abi;
const [REGISTRY, MARKET, EARNINGS, LENS] = ['TwinRegistry', 'TwinMarket', 'TwinEarnings', 'TwinLens'].map(abi);
const TELEMETRY_REPORTED = toEventSelector(REGISTRY.find((item) => item.type === 'event' && item.name === 'TelemetryReported'));
const FEED_DECIMALS = [{ type: 'function', name: 'decimals', inputs: [], outputs: [{ type: 'uint8' }], stateMutability: 'view' }];

const DAY = 86_400n;
const WINDOW = 30n * DAY;
/** The registry's energy meter, and the app's measured work, count at most an hour between two reports. */
const MAX_GAP = 3_600n;
const SUBSIDY_SATS = 312_500_000n;
/** Seed facts the chain cannot tell: operator 4 keeps back ~15% (twins 4 and 8), twin 5 stopped
 * settling, twin 2 settled late once. The expectations come from the chain; these check the seed. */
const UNDERPAID = [4, 8];
const LATE_NOW = 5;
const LATE_ONCE = 2;

/**
 * What the chain says of every twin's earnings, as the gallery should judge them at `now`: the
 * yield (the 30 days' net × 365 / 30 on the live listing's or else the last sale's price, in basis
 * points), whether its open period is past its grace, how many of its 30 days' settlements were
 * late, and, for twins that settled in the 30 days before now, gross paid ÷ the gross their measured
 * work should have earned at the figures each settlement recorded.
 */
async function earningsOnChain(chain) {
  const { contracts } = JSON.parse(readFileSync(process.env.E2E_NETWORKS, 'utf8')).networks.find((network) => network.chainId === 31337);
  const client = createPublicClient({ transport: http(chain.url) });
  const count = await client.readContract({ address: contracts.twinLens, abi: LENS, functionName: 'twinCount' });
  const ids = Array.from({ length: Number(count) }, (_, index) => BigInt(index + 1));
  const [head, views] = await client.readContract({ address: contracts.twinLens, abi: LENS, functionName: 'twins', args: [ids] });
  const now = BigInt(Math.max(Math.floor(Date.now() / 1000), Number(head.timestamp)));
  const settled = await client.getContractEvents({ address: contracts.twinEarnings, abi: EARNINGS, eventName: 'Settled', fromBlock: 0n });
  const sold = await client.getContractEvents({ address: contracts.twinMarket, abi: MARKET, eventName: 'Sold', fromBlock: 0n });
  const btcUsdFeed = await client.readContract({ address: contracts.twinEarnings, abi: EARNINGS, functionName: 'btcUsdFeed' });
  const btcUsdDecimals = BigInt(await client.readContract({ address: btcUsdFeed, abi: FEED_DECIMALS, functionName: 'decimals' }));

  const twins = [];
  for (const view of views) {
    const id = Number(view.id);
    const settlements = settled.filter((log) => log.args.tokenId === view.id).map((log) => log.args.settlement);
    const newest = settlements.at(-1)?.periodEnd;
    const recent = settlements.filter((s) => s.periodEnd + WINDOW > newest);
    const lastSale = sold.filter((log) => log.args.tokenId === view.id).at(-1)?.args.price;
    const price = view.buyable ? view.listing.price : lastSale;
    const net = recent.reduce((sum, s) => sum + s.net, 0n);
    const yieldBps = recent.length > 0 && price ? (net * 365n * 10_000n) / (30n * price) : null;

    let paidRatio = null;
    if (newest !== undefined && newest + WINDOW > now) {
      const reports = (
        await client.getContractEvents({ address: contracts.twinRegistry, abi: REGISTRY, eventName: 'TelemetryReported', args: { tokenId: view.id }, fromBlock: 0n })
      ).map((log) => log.args.report);
      let gross = 0n;
      let expected = 0n;
      for (const s of recent) {
        let previous = s.periodStart;
        let workGhs = 0n;
        for (const report of reports.filter((r) => r.timestamp > s.periodStart && r.timestamp <= s.periodEnd)) {
          const gap = report.timestamp - previous;
          workGhs += report.hashrateGhs * (gap < MAX_GAP ? gap : MAX_GAP);
          previous = report.timestamp;
        }
        // Work × (subsidy + fees) BTC per difficulty × 2^32 hashes, × BTC/USD ÷ ETH/USD, in wei.
        const { btcUsd, difficulty, feesPerBlock } = s.network;
        expected +=
          (workGhs * 10n ** 9n * (SUBSIDY_SATS + feesPerBlock) * btcUsd * 10n ** BigInt(s.priceDecimals) * 10n ** 18n) /
          (difficulty * 2n ** 32n * 10n ** 8n * 10n ** btcUsdDecimals * s.ethUsdPrice);
        gross += s.gross;
      }
      paidRatio = expected > 0n ? Number(gross) / Number(expected) : null;
    }
    twins.push({
      id,
      yieldBps,
      late: now > view.period.lateAt,
      lateCount: recent.filter((s) => s.late).length,
      paidRatio,
    });
  }
  const newestFirst = (a, b) => b.id - a.id;
  const byYield = [...twins].sort((a, b) => {
    if (a.yieldBps !== null && b.yieldBps !== null && a.yieldBps !== b.yieldBps) return a.yieldBps > b.yieldBps ? -1 : 1;
    if ((a.yieldBps === null) !== (b.yieldBps === null)) return a.yieldBps === null ? 1 : -1;
    return newestFirst(a, b);
  });
  return {
    twins,
    byYield: byYield.map((twin) => twin.id),
    late: twins.filter((twin) => twin.late).map((twin) => twin.id).sort((a, b) => b - a),
    onTime: twins.filter((twin) => !twin.late && twin.lateCount === 0).sort(newestFirst).map((twin) => twin.id),
    paidInFull: twins.filter((twin) => twin.paidRatio !== null && twin.paidRatio >= 0.95).sort(newestFirst).map((twin) => twin.id),
  };
}

/** The cards' ids, in order, as `#N` patterns for toHaveText. */
const asIds = (ids) => ids.map((id) => new RegExp(`^#${id} `));

/** The ids of the cards shown once `count` says how many match. */
async function shownIds(page) {
  const texts = await page.getByTestId('twin-card').locator('.twin-id').allTextContents();
  return texts.map((text) => Number(/^#(\d+)/.exec(text.trim())[1]));
}

test('sorted by yield, the twin its settlements pay most on its price comes first, and twins without a yield last', async ({ page, chain }) => {
  const expected = await earningsOnChain(chain);
  const withYield = expected.twins.filter((twin) => twin.yieldBps !== null);
  expect(withYield.length, 'the seed lists or sells some settled twins').toBeGreaterThanOrEqual(2);

  await page.goto('/');
  await expect(page.getByTestId('twin-count')).toHaveText('12 twins');
  await page.getByLabel('Sort').selectOption('yield');
  await expect(page).toHaveURL(/sort=yield/);
  const ids = page.getByTestId('twin-card').locator('.twin-id');
  await expect(ids).toHaveText(asIds(expected.byYield));

  // The cards say the yield, a year, where there is one.
  const top = expected.twins.find((twin) => twin.id === expected.byYield[0]);
  const card = (id) => page.getByTestId('twin-card').filter({ has: page.locator('.twin-id', { hasText: new RegExp(`^#${id} `) }) });
  await expect(card(top.id).getByTestId('card-yield')).toHaveText(`${(Number(top.yieldBps) / 100).toFixed(1)}% a year`);
  const without = expected.twins.find((twin) => twin.yieldBps === null);
  await expect(card(without.id).getByTestId('card-yield')).toHaveText('—');
  await page.screenshot({ path: new URL(`./artifacts/gallery-yield${WITH_INDEXER ? '-indexer' : ''}.png`, import.meta.url).pathname, fullPage: true });
});

test('"Pays on time" leaves out the twins late now and those late once in 30 days; late cards say so', async ({ page, chain }) => {
  const expected = await earningsOnChain(chain);
  expect(expected.late, 'twin 5 is late').toContain(LATE_NOW);
  expect(expected.onTime).not.toContain(LATE_NOW);
  expect(expected.onTime, 'twin 2 settled late once').not.toContain(LATE_ONCE);
  expect(expected.onTime.length).toBeGreaterThan(0);

  await page.goto('/');
  await expect(page.getByTestId('twin-count')).toHaveText('12 twins');
  const late = page.getByTestId('twin-card').filter({ has: page.getByTestId('card-late') }).locator('.twin-id');
  await expect(late).toHaveText(asIds(expected.late));

  await page.getByLabel('Pays on time').check();
  await expect(page).toHaveURL(/ontime=1/);
  await expect(page.getByTestId('twin-count')).toHaveText(`${expected.onTime.length} of 12 twins`);
  await expect(page.getByTestId('twin-card').locator('.twin-id')).toHaveText(asIds(expected.onTime));
  await expect(page.getByTestId('card-late')).toHaveCount(0);
});

test('"Paid ≥ 95% of expected" leaves out the twins of the operator who keeps back part of the pool\'s pay', async ({ page, chain }) => {
  const expected = await earningsOnChain(chain);
  for (const id of UNDERPAID) expect(expected.paidInFull, `twin ${id} is underpaid`).not.toContain(id);
  expect(expected.paidInFull.length).toBeGreaterThan(2);

  // Reading the chain, the telemetry is read for this filter only, and only once it is on.
  const telemetryReads = [];
  page.on('request', (request) => {
    if (new URL(request.url()).port !== new URL(chain.url).port) return;
    for (const call of [JSON.parse(request.postData() ?? '{}')].flat()) {
      if (call.method === 'eth_getLogs' && [call.params[0].topics?.[0]].flat().includes(TELEMETRY_REPORTED)) telemetryReads.push(call);
    }
  });
  await page.goto('/');
  await expect(page.getByTestId('twin-count')).toHaveText('12 twins');
  expect(telemetryReads).toEqual([]);

  await page.getByLabel('Paid ≥ 95% of expected').check();
  await expect(page).toHaveURL(/paid=1/);
  await expect(page.getByTestId('twin-count')).toHaveText(`${expected.paidInFull.length} of 12 twins`, { timeout: 20_000 });
  await expect(page.getByTestId('twin-card').locator('.twin-id')).toHaveText(asIds(expected.paidInFull));
  if (WITH_INDEXER) {
    await expect(page.getByTestId('gallery-source')).toContainText('From the indexer');
    expect(telemetryReads).toEqual([]);
  } else {
    await expect(page.getByTestId('gallery-source')).toHaveText(/held against its telemetry/);
    expect(telemetryReads.length).toBeGreaterThan(0);
  }

  // Both filters and the yield sort together, from a link.
  await page.goto('/?ontime=1&paid=1&sort=yield');
  const both = expected.byYield.filter((id) => expected.onTime.includes(id) && expected.paidInFull.includes(id));
  await expect(page.getByTestId('twin-card').locator('.twin-id')).toHaveText(asIds(both), { timeout: 20_000 });
  await expect(page.getByLabel('Pays on time')).toBeChecked();
  await expect(page.getByLabel('Paid ≥ 95% of expected')).toBeChecked();
});

test.describe('with the indexer', () => {
  test.skip(!WITH_INDEXER, 'the chain-only pass has no indexer');

  test('the indexer and the chain reader show the same twins for every earnings query', async ({ browser, page, indexer }) => {
    const queries = ['/?sort=yield', '/?ontime=1', '/?paid=1', '/?ontime=1&paid=1&sort=yield'];
    const fromIndexer = [];
    for (const query of queries) {
      await page.goto(query);
      await expect(page.getByTestId('gallery-source')).toContainText('From the indexer');
      await expect(page.getByTestId('twin-count')).toBeVisible();
      fromIndexer.push(await shownIds(page));
    }
    // The same queries in a browser that cannot reach the indexer: the app reads the chain.
    const context = await browser.newContext();
    const chainPage = await context.newPage();
    await chainPage.route(`${indexer.url}/**`, (route) => route.abort());
    for (const [index, query] of queries.entries()) {
      await chainPage.goto(query);
      await expect(chainPage.getByTestId('gallery-source')).toContainText('Read from the chain by this browser');
      await expect(chainPage.getByTestId('twin-card').locator('.twin-id'), query).toHaveText(asIds(fromIndexer[index]), { timeout: 20_000 });
    }
    await context.close();
  });
});
