// The gallery by earnings: sorted by yield, filtered to twins that pay on time and pay in full; and
// split twins: the split filter, and the price sorts with split twins priced whole by their cheapest
// live lot. What each should show is worked out here from the chain itself (the settlements, the
// lens's open periods, the prices, the lots, the telemetry), not written down, and both passes of the
// suite hold the app to it: reading the chain, and on the indexer, where the indexer's answers are
// also held against the chain reader's in the same run.
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

const UNIT = 10n ** 18n;

/**
 * Every lot the market still stores, with `live`: live as the market's record holds it, expiry
 * aside (the rig not decommissioned, the twin still in the vault under the split it was made in,
 * its seller's listing nonce unchanged), as the app's book judges it.
 */
async function lotsOnChain(client, contracts, views) {
  const count = await client.readContract({ address: contracts.twinMarket, abi: MARKET, functionName: 'lotCount' });
  const lots = [];
  for (let id = 1n; id <= count; id++) {
    const lot = await client.readContract({ address: contracts.twinMarket, abi: MARKET, functionName: 'lotOf', args: [id] });
    if (lot.remaining === 0n) continue;
    const view = views[Number(lot.tokenId) - 1];
    const nonce = await client.readContract({ address: contracts.twinMarket, abi: MARKET, functionName: 'listingNonceOf', args: [lot.seller] });
    const live =
      !view.retired &&
      view.owner.toLowerCase() === contracts.twinVault.toLowerCase() &&
      Number(view.custodyEpoch >> 32n) === Number(lot.splitEpoch) &&
      nonce === BigInt(lot.sellerNonce);
    lots.push({ ...lot, live });
  }
  return lots;
}

/**
 * What the chain says of every twin's earnings, as the gallery should judge them at `now`: the
 * yield (the 30 days' net × 365 / 30 on the live listing's or else the last sale's price, or a split
 * twin's on its lots, in basis points), whether its open period is past its grace, how many of its 30 days' settlements were
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
  const filled = await client.getContractEvents({ address: contracts.twinMarket, abi: MARKET, eventName: 'LotFilled', fromBlock: 0n });
  const lots = await lotsOnChain(client, contracts, views);
  const btcUsdFeed = await client.readContract({ address: contracts.twinEarnings, abi: EARNINGS, functionName: 'btcUsdFeed' });
  const btcUsdDecimals = BigInt(await client.readContract({ address: btcUsdFeed, abi: FEED_DECIMALS, functionName: 'decimals' }));

  const twins = [];
  for (const view of views) {
    const id = Number(view.id);
    const settlements = settled.filter((log) => log.args.tokenId === view.id).map((log) => log.args.settlement);
    const newest = settlements.at(-1)?.periodEnd;
    const recent = settlements.filter((s) => s.periodEnd + WINDOW > newest);
    const lastSale = sold.filter((log) => log.args.tokenId === view.id).at(-1)?.args.price;
    // `Catalog::yield_price`: a split twin's is its cheapest live lot's price per share (expiry
    // aside), else its last fill's, times the supply.
    let price = view.buyable ? view.listing.price : lastSale;
    if (view.fraction.split) {
      const cheapest = lots.filter((lot) => lot.live && BigInt(lot.tokenId) === view.id).map((lot) => lot.pricePerShare);
      const fill = filled.filter((log) => log.args.tokenId === view.id).at(-1)?.args;
      const perShare = cheapest.length > 0 ? cheapest.reduce((a, b) => (b < a ? b : a)) : fill ? (fill.price * UNIT) / fill.amount : null;
      price = perShare === null ? null : (perShare * view.fraction.supply) / UNIT;
    }
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

/** `format_bps_percent`: 2500 → "25%", 1450 → "14.5%", 3 → "0.03%". */
const bpsPercent = (bps) => {
  const [whole, fraction] = [Math.floor(bps / 100), bps % 100];
  if (fraction === 0) return `${whole}%`;
  return fraction % 10 === 0 ? `${whole}.${fraction / 10}%` : `${whole}.${String(fraction).padStart(2, '0')}%`;
};

/**
 * What the gallery should say of every twin's price at `now`, from the chain itself: its asking
 * price (`GalleryEntry::asking_price`), the live listing's price, or for a split twin its cheapest
 * live lot's price per share × the supply / 10^18; and a split twin's share of its supply for sale.
 * A lot is live as the market's record holds it: unexpired, the rig not decommissioned, the twin
 * still in the vault under the split it was made in, its seller's listing nonce unchanged.
 */
async function pricesOnChain(chain) {
  const { contracts } = JSON.parse(readFileSync(process.env.E2E_NETWORKS, 'utf8')).networks.find((network) => network.chainId === 31337);
  const client = createPublicClient({ transport: http(chain.url) });
  const count = await client.readContract({ address: contracts.twinLens, abi: LENS, functionName: 'twinCount' });
  const ids = Array.from({ length: Number(count) }, (_, index) => BigInt(index + 1));
  const [head, views] = await client.readContract({ address: contracts.twinLens, abi: LENS, functionName: 'twins', args: [ids] });
  const now = BigInt(Math.max(Math.floor(Date.now() / 1000), Number(head.timestamp)));
  const lots = (await lotsOnChain(client, contracts, views)).filter((lot) => lot.live && BigInt(lot.expiresAt) > now);
  return views.map((view) => {
    const listing = view.buyable ? view.listing.price : null;
    if (!view.fraction.split) return { id: Number(view.id), askingPrice: listing, split: false };
    const own = lots.filter((lot) => BigInt(lot.tokenId) === view.id);
    const supply = view.fraction.supply;
    const offered = own.reduce((sum, lot) => sum + lot.remaining, 0n);
    const forSaleBps = Number(((offered < supply ? offered : supply) * 10_000n) / supply);
    const cheapest = own.length === 0 ? null : own.map((lot) => lot.pricePerShare).reduce((a, b) => (b < a ? b : a));
    return {
      id: Number(view.id),
      split: true,
      forSaleBps,
      askingPrice: listing ?? (cheapest === null ? null : (cheapest * supply) / UNIT),
    };
  });
}

/** `GalleryQuery::apply`'s order for a price sort: twins with a price by it, the rest newest first. */
function byPrice(twins, descending) {
  return [...twins].sort((a, b) => {
    if (a.askingPrice !== null && b.askingPrice !== null && a.askingPrice !== b.askingPrice) {
      return (a.askingPrice < b.askingPrice) !== descending ? -1 : 1;
    }
    if ((a.askingPrice === null) !== (b.askingPrice === null)) return a.askingPrice === null ? 1 : -1;
    return b.id - a.id;
  });
}

/** The gallery's views of split twins and prices: `(twins) => ids` each page should show. */
const FRACTION_VIEWS = {
  '/?split=1': (twins) => twins.filter((twin) => twin.split).sort((a, b) => b.id - a.id),
  '/?sort=price-asc': (twins) => byPrice(twins, false),
  '/?sort=price-desc': (twins) => byPrice(twins, true),
  '/?listed=1&sort=price-asc': (twins) => byPrice(twins.filter((twin) => twin.askingPrice !== null), false),
  '/?split=1&sort=price-desc': (twins) => byPrice(twins.filter((twin) => twin.split), true),
  '/?pmin=1.4&pmax=2.5&sort=price-desc': (twins) =>
    byPrice(twins.filter((twin) => twin.askingPrice !== null && twin.askingPrice >= 14n * 10n ** 17n && twin.askingPrice <= 25n * 10n ** 17n), true),
};

/** Each card's id line and price line, in order: what both paths must show alike. */
async function cards(page) {
  const card = page.getByTestId('twin-card');
  return { ids: await card.locator('.twin-id').allTextContents(), prices: await card.getByTestId('card-price').allTextContents() };
}

test('split twins: the split filter, and the price sorts with split twins priced whole by their cheapest live lot', async ({ browser, page, chain, indexer }) => {
  // Investor 8 offers 20,000 of its twin 2 shares at 0.0000015 ETH (the whole twin at 1.5 ETH, under
  // the seeded lot's 2.4), and investor 9 some of twin 3's at 0.000001 ETH (0.1 ETH for the whole)
  // for ten minutes only.
  const feeBps = (await chain.call(chain.twinMarket, 'feeBps()(uint16)')).split(' ')[0];
  const LOT = 'listLot(uint256,uint256,uint256,uint64,uint16)';
  const start = await chain.now();
  await chain.send(8, chain.twinMarket, LOT, '2', String(20_000n * UNIT), '1500000000000', String(start + 30 * 86_400), feeBps);
  await chain.send(9, chain.twinMarket, LOT, '3', String(5_000n * UNIT), '1000000000000', String(start + 600), feeBps);

  const check = async (label) => {
    const twins = await pricesOnChain(chain);
    const shown = [];
    for (const [query, view] of Object.entries(FRACTION_VIEWS)) {
      const expected = view(twins).map((twin) => twin.id);
      expect(expected.length, `${label} ${query}: the seed has twins to show`).toBeGreaterThan(0);
      await page.goto(query);
      await expect(page.getByTestId('gallery-source')).toContainText(WITH_INDEXER ? 'From the indexer' : 'Read from the chain by this browser');
      await expect(page.getByTestId('twin-card').locator('.twin-id'), `${label} ${query}`).toHaveText(asIds(expected), { timeout: 20_000 });
      // A split twin's card says how much of it is for sale now.
      for (const twin of twins.filter((twin) => twin.split && expected.includes(twin.id))) {
        const words = twin.forSaleBps === 0 ? 'fractional' : `fractional · ${bpsPercent(twin.forSaleBps)} for sale`;
        const card = page.getByTestId('twin-card').filter({ has: page.locator('.twin-id', { hasText: new RegExp(`^#${twin.id} `) }) });
        await expect(card.getByTestId('card-fractional')).toHaveText(words);
      }
      shown.push(await cards(page));
    }
    return { twins, shown };
  };

  const before = await check('with the short lot');
  const byId = new Map(before.twins.map((twin) => [twin.id, twin]));
  expect(byId.get(2).askingPrice, "twin 2 at its cheapest lot's price").toBe(15n * 10n ** 17n);
  expect(byId.get(3).askingPrice, 'twin 3 at the short lot').toBe(10n ** 17n);
  if (!WITH_INDEXER) return;

  // The same queries in a browser that cannot reach the indexer: the chain reader shows the same
  // twins in the same order, with the same lines on their cards.
  const context = await browser.newContext();
  const chainPage = await context.newPage();
  await chainPage.route(`${indexer.url}/**`, (route) => route.abort());
  for (const [index, query] of Object.keys(FRACTION_VIEWS).entries()) {
    await chainPage.goto(query);
    await expect(chainPage.getByTestId('gallery-source')).toContainText('Read from the chain by this browser');
    await expect(chainPage.getByTestId('twin-card').locator('.twin-id'), query).toHaveText(before.shown[index].ids, { timeout: 20_000 });
    expect(await cards(chainPage), query).toEqual(before.shown[index]);
  }
  await context.close();

  // The short lot expires with no event at all (an empty block moves the chain's clock on): the
  // indexer, which has nothing new about twin 3, prices it by its seeded lot again.
  await chain.increaseTime(900);
  await chain.mine();
  const after = await check('after it expired');
  expect(new Map(after.twins.map((twin) => [twin.id, twin])).get(3).askingPrice).toBe(3n * 10n ** 18n);
});

test.describe('with the indexer', () => {
  test.skip(!WITH_INDEXER, 'the chain-only pass has no indexer');

  test('the indexer and the chain reader show the same twins for every earnings, split and price query', async ({ browser, page, indexer }) => {
    const queries = ['/?sort=yield', '/?ontime=1', '/?paid=1', '/?ontime=1&paid=1&sort=yield', ...Object.keys(FRACTION_VIEWS)];
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
