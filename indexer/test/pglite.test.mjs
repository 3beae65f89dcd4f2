// The indexer on its embedded database, as scripts/dev runs it: a fresh anvil with the demo data
// and some donated work, `ponder start` on PGlite, and every answer checked against the contracts;
// then more transactions, each of which must change what the indexer says as it changes the chain.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeAbiParameters, toEventSelector } from 'viem';
import { rpc, startLocalChain } from '../../scripts/lib/localchain.mjs';
import {
  ABI,
  ACCOUNTS,
  ROOT,
  assertMatchesChain,
  chainClients,
  donate,
  freePort,
  gql,
  mineBlocks,
  startPonder,
  waitReady,
  waitSynced,
} from './harness.mjs';
import { defaultQuery, expectedGallery, galleryPage } from './gallery.mjs';
import { assertEarningsMatchChain, earningsActions, expectedWei, measuredWorkGhs, yieldOf } from './earnings.mjs';
import { assertFractionsMatchChain, spansAt } from './fractions.mjs';

const lc = (value) => String(value).toLowerCase();

const RUN = join(ROOT, '.run', 'test-indexer-pglite');
// Regtest's easiest target: about every second hash is a share, so the test finds them at once.
const EASY_BITS = 0x207fffff;

let chain;
let contracts;
let indexer;
let rpcUrl;
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const started = Date.now();

before(async () => {
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const networks = join(RUN, 'networks.json');
  const anvil = await startLocalChain({ port: await freePort(), networks, log: (line) => console.log(`chain: ${line}`) });
  chain = anvil;
  rpcUrl = anvil.url;
  contracts = chainClients(rpcUrl, anvil.contracts);

  // Donated work before the indexer starts, so that the backfill indexes credits too.
  await contracts.write(0, 'ledger', 'setMinBits', [EASY_BITS]);
  await donate(contracts, 8, 1n, EASY_BITS, 5, `0x${'a1'.repeat(32)}`);
  await donate(contracts, 9, 1n, EASY_BITS, 3, `0x${'b2'.repeat(32)}`);
  await donate(contracts, 9, 4n, EASY_BITS, 12, `0x${'c3'.repeat(32)}`);
  // Past Ponder's 30-block finality window for chain 31337: the demo history is a backfill.
  await mineBlocks(rpcUrl, 40);

  indexer = startPonder({
    command: 'start',
    port: await freePort(),
    args: ['--schema', 'hashtwin'],
    env: { HASHTWIN_NETWORKS: networks, HASHTWIN_PGLITE_DIR: join(RUN, 'pglite') },
    logPath: join(RUN, 'ponder.log'),
  });
  await waitReady(indexer);
  await waitSynced(indexer, rpcUrl);
  console.log(`chain seeded and indexer synced in ${seconds()} s`);
});

after(async () => {
  await indexer?.stop();
  chain?.stop();
});

test('every twin, listing, count and credit agrees with the contracts', async () => {
  const { twins } = await assertMatchesChain(assert, indexer.url, contracts);
  assert.equal(twins.length, 12);
  assert.equal(twins.filter((twin) => twin.listingPrice !== null).length, 4, 'the demo has four live listings (twin 2 was split)');
  assert.deepEqual(twins.filter((twin) => twin.split).map((twin) => twin.id), [2n, 3n], 'the demo splits twins 2 and 3');
});

test('fractions: splits, lots, fills, holders and their earnings agree with the contracts', async () => {
  const { twins, lots } = await assertFractionsMatchChain(assert, indexer.url, contracts);
  assert.ok(twins.get(2n).atNow.forSaleBps > 0 && twins.get(3n).atNow.forSaleBps > 0, 'both split twins have shares for sale');
  assert.ok([...lots.values()].some((lot) => lot.stored && lot.live), 'the demo has live lots');
  const { shareTrades } = await gql(indexer.url, '{ shareTrades { totalCount } }');
  assert.equal(shareTrades.totalCount, 3, 'the demo fills its lots three times');
  // The seed's claim of split twins' earnings: its Claimed names both parts.
  const { account } = await gql(indexer.url, `{ account(id: "${ACCOUNTS[8].address.toLowerCase()}") { sharesClaimed } }`);
  assert.ok(BigInt(account.sharesClaimed) > 0n, "investor 8's claim took its shares' earnings");
});

test('gallery filters, search, sorts and pages give the gallery order', async () => {
  const { now, twins } = await assertMatchesChain(assert, indexer.url, contracts);
  const cases = [
    { ...defaultQuery(), manufacturers: ['bitmain'], listedOnly: true, sort: 'price-asc' },
    { ...defaultQuery(), sort: 'price-desc' },
    { ...defaultQuery(), search: 'ANTMINER s21', sort: 'hashrate' },
    { ...defaultQuery(), efficiencyMax: 17.5, sort: 'efficiency' },
    { ...defaultQuery(), efficiencyMin: 15, efficiencyMax: 22, statuses: ['Active'], sort: 'efficiency' },
    { ...defaultQuery(), sort: 'donated' },
    { ...defaultQuery(), models: ['whatsminer m60', 'AVALON A1466'], sort: 'newest' },
    { ...defaultQuery(), priceMin: 1_500_000_000_000_000_000n, priceMax: 2_400_000_000_000_000_000n, sort: 'price-asc' },
    { ...defaultQuery(), search: '#3' },
    { ...defaultQuery(), search: '1', sort: 'hashrate' },
    { ...defaultQuery(), search: 'us 100%' },
    { ...defaultQuery(), statuses: ['Offline'] },
    { ...defaultQuery(), splitOnly: true },
    { ...defaultQuery(), splitOnly: true, sort: 'price-desc' },
    { ...defaultQuery(), listedOnly: true, sort: 'price-desc' },
    { ...defaultQuery(), priceMin: 2_400_000_000_000_000_000n, sort: 'price-asc' },
  ];
  for (const query of cases) {
    const expected = expectedGallery(twins, query).map((twin) => String(twin.id));
    const label = JSON.stringify(query, (_, value) => (typeof value === 'bigint' ? String(value) : value));
    // Pages of 5, so that the price sorts' pages straddle the listed twins and the rest.
    const shown = [];
    for (let page = 0; page * 5 < Math.max(expected.length, 1); page++) {
      const { items, total } = await galleryPage(indexer.url, { ...query, page }, now, 5);
      assert.equal(total, expected.length, `${label}: total`);
      shown.push(...items.map((item) => item.twinId));
    }
    assert.deepEqual(shown, expected, label);
  }
  assert.ok(expectedGallery(twins, cases[0]).length >= 3, 'the first case should exercise the filters');
  const splitByPrice = expectedGallery(twins, cases.at(-3)).map((twin) => twin.id);
  assert.deepEqual(splitByPrice, [3n, 2n], 'the split twins priced whole by their cheapest lots');

  const facets = await gql(
    indexer.url,
    `{ facets(where: { kind: Manufacturer }, limit: 1000) { items { key name count } }
       active: twins(where: { status: Active }) { totalCount }
       offline: twins(where: { status: Offline }) { totalCount }
       listed: gallerySpans(where: { validFrom_lte: "${now}", validUntil_gt: "${now}", forSale: true }) { totalCount }
       split: twins(where: { split: true }) { totalCount } }`,
  );
  const makers = Object.fromEntries(facets.facets.items.map((facet) => [facet.name, facet.count]));
  assert.deepEqual(makers, { Bitmain: 7, MicroBT: 3, Canaan: 2 });
  assert.deepEqual(
    [facets.active.totalCount, facets.offline.totalCount, facets.listed.totalCount, facets.split.totalCount],
    [11, 1, 6, 2],
    'four twins listed whole and two split twins with lots for sale',
  );
});

test('hourly telemetry roll-ups add up to the reported samples', async () => {
  await checkRollups(1n);
});

/** Twin `id`'s last 7 days of hours against its TelemetryReported events, hour by hour. */
async function checkRollups(id) {
  const block = await contracts.client.getBlock();
  const from = block.timestamp - 7n * 24n * 3600n;
  const reports = (await contracts.logs('registry', 'TelemetryReported'))
    .filter((log) => log.tokenId === id && log.report.timestamp >= (from / 3600n) * 3600n)
    .map((log) => log.report);
  const expected = new Map();
  for (const report of reports) {
    const hour = (report.timestamp / 3600n) * 3600n;
    const samples = expected.get(hour) ?? [];
    samples.push(report);
    expected.set(hour, samples);
  }
  const { telemetryHours } = await gql(
    indexer.url,
    `query Hours($twin: BigInt!, $from: BigInt!) {
      telemetryHours(where: { twinId: $twin, hourStart_gte: $from }, orderBy: "hourStart", orderDirection: "asc", limit: 1000) {
        items { hourStart count avgHashrateGhs minHashrateGhs maxHashrateGhs avgPowerWatts avgBoardTempDeciC maxBoardTempDeciC lastUptimeSeconds }
      }
    }`,
    { twin: String(id), from: String((from / 3600n) * 3600n) },
  );
  assert.ok(reports.length >= 160, `twin ${id} should have a week of telemetry, has ${reports.length}`);
  assert.deepEqual(
    telemetryHours.items.map((hour) => hour.hourStart),
    [...expected.keys()].map(String),
    'one roll-up per hour with samples',
  );
  const mean = (samples, field) => samples.reduce((sum, s) => sum + Number(s[field]), 0) / samples.length;
  for (const hour of telemetryHours.items) {
    const samples = expected.get(BigInt(hour.hourStart));
    const at = `twin ${id}, hour ${hour.hourStart}`;
    assert.equal(hour.count, samples.length, `${at}: count`);
    assert.equal(hour.avgHashrateGhs, mean(samples, 'hashrateGhs'), `${at}: mean hashrate`);
    assert.equal(hour.minHashrateGhs, String(samples.reduce((m, s) => (s.hashrateGhs < m ? s.hashrateGhs : m), samples[0].hashrateGhs)));
    assert.equal(hour.maxHashrateGhs, String(samples.reduce((m, s) => (s.hashrateGhs > m ? s.hashrateGhs : m), 0n)));
    assert.equal(hour.avgPowerWatts, mean(samples, 'powerWatts'), `${at}: mean power`);
    assert.equal(hour.avgBoardTempDeciC, mean(samples, 'boardTempDeciC'), `${at}: mean temperature`);
    assert.equal(hour.maxBoardTempDeciC, Math.max(...samples.map((s) => s.boardTempDeciC)));
    assert.equal(hour.lastUptimeSeconds, String(samples.at(-1).uptimeSeconds));
  }
  return telemetryHours.items;
}

test('credits add up per twin and per contributor as the ledger counts them', async () => {
  const data = await gql(
    indexer.url,
    `{ twinContributions(where: { twinId: "1" }, orderBy: "work", orderDirection: "desc") { items { contributor work shares batches } }
       contributors(orderBy: "work", orderDirection: "desc") { items { id work shares batches } }
       credits(orderBy: "id") { totalCount items { twinId contributor shares work } } }`,
  );
  assert.equal(data.credits.totalCount, 3);
  for (const contributor of data.contributors.items) {
    assert.equal(contributor.work, String(await contracts.read('ledger', 'workBy', [contributor.id])));
  }
  assert.deepEqual(
    data.twinContributions.items.map((row) => [row.contributor, row.shares]),
    [
      [ACCOUNTS[8].address.toLowerCase(), '5'],
      [ACCOUNTS[9].address.toLowerCase(), '3'],
    ],
  );
  assert.deepEqual(
    data.contributors.items.map((row) => [row.id, row.shares, row.batches]),
    [
      [ACCOUNTS[9].address.toLowerCase(), '15', 2],
      [ACCOUNTS[8].address.toLowerCase(), '5', 1],
    ],
  );
});

test('the indexer follows new transactions: every way a listing dies, sales, offers, operation', async () => {
  const [op1, op2, op3, op4, investor8, investor9] = [1, 2, 3, 4, 8, 9];
  const address = (index) => ACCOUNTS[index].address;
  const { market } = contracts.address;
  const feeBps = await contracts.read('market', 'feeBps');
  const block = await contracts.client.getBlock();

  // Twin 2's listing died when the seed split it (the twin went into the vault). Twin 4 changes
  // hands outside the market.
  const holder4 = (await contracts.read('registry', 'ownerOf', [4n])).toLowerCase();
  const from4 = ACCOUNTS.findIndex((account) => account.address.toLowerCase() === holder4);
  await contracts.write(from4, 'registry', 'transferFrom', [ACCOUNTS[from4].address, address(investor8), 4n]);
  // Operator 3 cancels all their listings: twin 7's dies.
  await contracts.write(op3, 'market', 'cancelAllListings');
  // Twin 10 is bought.
  await contracts.write(investor9, 'market', 'buy', [10n], 1_350_000_000_000_000_000n);
  // Twin 12 is decommissioned: its listing dies, and nothing can be listed, bought or bid on.
  await contracts.write(op4, 'registry', 'setStatus', [12n, 2]);
  // Twin 5: a per-token approval given, then taken back, kills its listing.
  await contracts.write(op1, 'registry', 'approve', [market, 5n]);
  await contracts.write(op1, 'registry', 'approve', ['0x0000000000000000000000000000000000000000', 5n]);
  // Twin 6 is listed, then the seller revokes the market's approval for all: it dies.
  await contracts.write(op2, 'market', 'list', [6n, 3_000_000_000_000_000_000n, block.timestamp + 86_400n, feeBps]);
  await contracts.write(op2, 'registry', 'setApprovalForAll', [market, false]);
  // Twin 11 is listed and stays live; twin 9 is listed and then withdrawn.
  await contracts.write(op3, 'market', 'list', [11n, 1_000_000_000_000_000_000n, block.timestamp + 86_400n, feeBps]);
  await contracts.write(op1, 'market', 'list', [9n, 900_000_000_000_000_000n, block.timestamp + 86_400n, feeBps]);
  await contracts.write(op1, 'market', 'cancelListing', [9n]);
  // Investor 8 raises the open offer on twin 1, and its owner accepts it.
  await contracts.write(investor8, 'market', 'raiseOffer', [1n, block.timestamp + 10n * 86_400n], 100_000_000_000_000_000n);
  await contracts.write(op1, 'market', 'acceptOffer', [1n, address(investor8), 1_600_000_000_000_000_000n, feeBps]);
  // Investor 9 bids on twin 4 and withdraws the bid.
  await contracts.write(investor9, 'market', 'makeOffer', [4n, block.timestamp + 86_400n], 500_000_000_000_000_000n);
  await contracts.write(investor9, 'market', 'cancelOffer', [4n]);
  // Operation: twin 3's rig is handed to operator 4; twin 8's hand-over is only proposed.
  await contracts.write(op3, 'registry', 'proposeOperator', [3n, address(op4)]);
  await contracts.write(op4, 'registry', 'acceptOperator', [3n]);
  await contracts.write(op4, 'registry', 'proposeOperator', [8n, address(op1)]);
  await contracts.write(op2, 'registry', 'setReporter', [2n, address(investor9)]);
  await contracts.write(op2, 'registry', 'logMaintenance', [2n, 1, 'Replaced a fan after a bearing failure.']);
  // Three samples within three seconds for twin 1 (its reporter key is account 5), so that an
  // hour's roll-up averages several.
  const now = (await contracts.client.getBlock()).timestamp;
  const sample = (i) => ({
    timestamp: now - 2n + BigInt(i),
    hashrateGhs: 190_000n + BigInt(i) * 1_000n,
    powerWatts: 3_400,
    boardTempDeciC: 640 + i * 10,
    fanRpm: 5_000,
    uptimeSeconds: 7_200,
    acceptedShares: 100n + BigInt(i),
    rejectedShares: 1n,
  });
  await contracts.write(5, 'registry', 'reportTelemetry', [1n, [sample(0), sample(1), sample(2)]]);
  // More donated work, now indexed live.
  await donate(contracts, 8, 2n, EASY_BITS, 7, `0x${'d4'.repeat(32)}`);

  await waitSynced(indexer, rpcUrl);
  await assertMatchesChain(assert, indexer.url, contracts);

  const states = await gql(
    indexer.url,
    `{ listings(orderBy: "id", limit: 100) { items { twinId state } } }`,
  );
  const latest = new Map(states.listings.items.map((row) => [row.twinId, row.state]));
  assert.deepEqual(Object.fromEntries(latest), {
    3: 'Sold',
    5: 'ApprovalWithdrawn',
    6: 'ApprovalWithdrawn',
    7: 'SellerCancelledAll',
    9: 'Cancelled',
    10: 'Sold',
    11: 'Live',
    12: 'Retired',
  });

  const twin1 = await gql(
    indexer.url,
    `{ twin(id: "1") {
        owner lastSalePrice
        offers { items { bidder amount status } }
        sales { items { kind price buyer } }
        events(orderBy: "id", limit: 100) { items { kind from to amount merged } }
      } }`,
  );
  assert.equal(twin1.twin.owner, address(investor8).toLowerCase());
  assert.deepEqual(twin1.twin.offers.items, [
    { bidder: address(investor8).toLowerCase(), amount: '1600000000000000000', status: 'Accepted' },
  ]);
  assert.deepEqual(twin1.twin.sales.items, [
    { kind: 'Offer', price: '1600000000000000000', buyer: address(investor8).toLowerCase() },
  ]);
  const kinds = twin1.twin.events.items.map((row) => `${row.kind}${row.merged ? ' (merged)' : ''}`);
  assert.deepEqual(kinds.filter((kind) => !kind.startsWith('WorkCredited')), [
    'Minted',
    'Transfer (merged)',
    'MaintenanceLogged',
    'OfferMade',
    'OfferRaised',
    'OfferAccepted',
    'Sold',
    'Transfer (merged)',
  ]);

  const twin4 = await gql(indexer.url, `{ twin(id: "4") { events(orderBy: "id", limit: 100) { items { kind merged } } } }`);
  const plain = twin4.twin.events.items.filter((row) => row.kind === 'Transfer' && !row.merged);
  assert.equal(plain.length, 1, 'a transfer outside a sale is a step of its own');
  const twin2 = await gql(indexer.url, `{ twin(id: "2") { events(orderBy: "id", limit: 100) { items { kind merged } } } }`);
  assert.deepEqual(
    twin2.twin.events.items.filter((row) => ['Transfer', 'Split'].includes(row.kind)).map((row) => `${row.kind}${row.merged ? ' (merged)' : ''}`),
    ['Transfer (merged)', 'Transfer (merged)', 'Split'],
    'the transfer into the vault is part of the split',
  );

  const offer4 = await gql(indexer.url, `{ offer(id: "4-${address(investor9).toLowerCase()}") { status amount } }`);
  assert.deepEqual(offer4.offer, { status: 'Cancelled', amount: '500000000000000000' });

  const hours = await checkRollups(1n);
  assert.ok(Math.max(...hours.map((hour) => hour.count)) >= 2, 'an hour averages several samples');
});

test('earnings: settlements as their events, expected gross from telemetry, 30-day figures, yield, lateness, credits', async () => {
  const act = earningsActions(contracts, rpcUrl);
  const [T10, T11] = [10n, 11n];
  const ETH = 10n ** 18n;
  const DAY = 86_400n;
  // The deployment's first answers (the worked example, ETH at $3,000), published again so
  // that nothing below depends on where the seed left the feeds.
  const difficulty = 152n * 10n ** 12n;
  const fees = 2_000_000n;
  await act.publish('ethUsdFeed', 3_000n * 10n ** 8n);
  await act.publish('btcUsdFeed', 91_000n * 10n ** 8n);
  await act.publish('difficultyFeed', difficulty);
  await act.publish('blockFeesFeed', fees);
  assert.deepEqual([await contracts.read('ethUsdFeed', 'decimals'), await contracts.read('btcUsdFeed', 'decimals')], [8, 8]);
  const settlementsOf = async (id) =>
    (
      await gql(
        indexer.url,
        `query S($id: BigInt!) { settlements(where: { twinId: $id }, orderBy: "id", orderDirection: "asc", limit: 1000) {
           items { index holder periodStart periodEnd late gross net workThs expectedGrossWei } } }`,
        { id: String(id) },
      )
    ).settlements.items;
  const twinRow = async (id) =>
    (
      await gql(
        indexer.url,
        `query T($id: BigInt!) { twin(id: $id) { owner settledCount settledThrough lateAt gross30d net30d expected30d lateCount30d
           paidRatioBps30d yieldBps listingPrice lastSalePrice } }`,
        { id: String(id) },
      )
    ).twin;

  // 1. A period of twin 10 whose work is known by hand: four reports, 1,800 s, 3,600 s, 7,200 s
  // (metered as an hour) and 600 s after the one before, the first after the period's start:
  //   150,000 × 1,800 + 148,500 × 3,600 + 151,000 × 3,600 + 90,000 × 600 = 1,402,200,000 GH·s,
  // which is 1,402,200 TH·s, or 1.4022e18 hashes. At difficulty 152e12 a block takes
  // 152e12 × 2^32 hashes and pays 3.125 + 0.02 BTC, so the work earned
  //   1.4022e18 × 3.145 / (152e12 × 4,294,967,296) = 6.7550281e-6 BTC
  //   × $91,000 = $0.6147076, ÷ $3,000 = 0.000204902520636096 ETH (204,902,520,636,096.6 wei).
  const samples10 = [];
  const report10 = async (samples) => {
    samples10.push(...samples);
    await act.report(T10, samples);
  };
  const { start: start10 } = await contracts.read('earnings', 'periodOf', [T10]);
  assert.ok(start10 + 13_200n < (await act.now()), 'twin 10 has hours of room since its period started');
  await report10([
    { timestamp: start10 + 1_800n, hashrateGhs: 150_000n, powerWatts: 3_230 },
    { timestamp: start10 + 5_400n, hashrateGhs: 148_500n, powerWatts: 3_200 },
    { timestamp: start10 + 12_600n, hashrateGhs: 151_000n, powerWatts: 3_240 },
    { timestamp: start10 + 13_200n, hashrateGhs: 90_000n, powerWatts: 2_100 },
  ]);
  await act.settle(T10, 200_000_000_000_000n);
  await waitSynced(indexer, rpcUrl);
  const [known] = (await settlementsOf(T10)).slice(-1);
  assert.equal(known.workThs, '1402200');
  assert.equal(known.expectedGrossWei, '204902520636096');
  assert.equal(known.gross, '200000000000000');
  assert.equal(known.late, true, 'a period settled a week after its start is late');

  // 2. The worked check: at difficulty 152e12 and BTC at $91,000, the subsidy alone pays
  // $37.64 a PH/s a day. Fees of one satoshi a block stand in for none (0 is "not published"):
  // an hour of 1 PH/s is a 24th of a PH·day.
  await act.publish('blockFeesFeed', 1n);
  await report10([{ timestamp: await act.now(), hashrateGhs: 1_000_000n, powerWatts: 3_230 }]);
  await act.settle(T10, 10n ** 15n);
  await waitSynced(indexer, rpcUrl);
  const [hour] = (await settlementsOf(T10)).slice(-1);
  assert.equal(hour.workThs, '3600000', 'an hour of 1 PH/s, the gap capped at an hour');
  const usdPerPhDay = Number(BigInt(hour.expectedGrossWei) * 3_000n * 24n) / 1e18;
  assert.ok(Math.abs(usdPerPhDay - 37.64) < 0.005, `$${usdPerPhDay} a PH·day`);
  await act.publish('blockFeesFeed', fees);

  // Twin 11's first period runs from its mint and is settled late, before the month below: it must
  // leave the 30-day window as the month goes on.
  const samples11 = [];
  const report11 = async (samples) => {
    samples11.push(...samples);
    await act.report(T11, samples);
  };
  await report11([{ timestamp: await act.now(), hashrateGhs: 185_000n, powerWatts: 3_420 }]);
  await act.settle(T11, 100_000_000_000_000n);

  // 3. Thirty-eight days of hourly telemetry. Twin 10 (daily terms, grace 12 h) is settled a few
  // minutes after each day ends at 85% of what its work should earn, but day 20 is skipped, so that
  // day 21's settlement covers two days and is late, and on day 30 the difficulty feed answers 0
  // (no expected gross). Twin 11 (weekly, grace a day) is settled every 7th day at 101%.
  const base = await act.now();
  const sent = { 10: [], 11: [] };
  const btcUsdOn = (day) => (91_000n + 150n * BigInt(day)) * 10n ** 8n;
  const ethUsdOn = (day) => (3_000n + 7n * BigInt(day % 5)) * 10n ** 8n;
  const rate = (nameplate, day, h, spread) => (nameplate * BigInt(9_700 + ((day * 31 + h * 7) % spread))) / 10_000n;
  const settleAt = async (id, samples, day, share) => {
    const { start } = await contracts.read('earnings', 'periodOf', [id]);
    const end = samples.at(-1).timestamp;
    const network = { btcUsd: btcUsdOn(day), difficulty: day === 30 ? 0n : difficulty, feesPerBlock: fees, ethUsd: ethUsdOn(day) };
    const expected = expectedWei(measuredWorkGhs(samples, start, end), network, 8, 8);
    const gross = expected === null ? sent[id].at(-1).gross : (expected * share) / 100n;
    const figures = await act.settle(id, gross);
    sent[id].push({ day, end, expected, late: false, ...figures });
  };
  for (let day = 1; day <= 38; day++) {
    const end = base + BigInt(day) * DAY;
    await act.at(end + 60n);
    const hours = Array.from({ length: 24 }, (_, h) => ({ h, timestamp: end - BigInt(23 - h) * 3_600n }));
    await report10(hours.map(({ h, timestamp }) => ({ timestamp, hashrateGhs: rate(150_000n, day, h, 400), powerWatts: 3_230 })));
    await report11(hours.map(({ h, timestamp }) => ({ timestamp, hashrateGhs: rate(185_000n, day, h, 300), powerWatts: 3_420 })));
    await act.publish('ethUsdFeed', ethUsdOn(day));
    await act.publish('btcUsdFeed', btcUsdOn(day));
    if (day === 30) await act.publish('difficultyFeed', 0n);
    if (day === 31) await act.publish('difficultyFeed', difficulty);
    if (day !== 20) await settleAt(T10, samples10, day, 85n);
    if (day % 7 === 0) await settleAt(T11, samples11, day, 101n);
  }
  await waitSynced(indexer, rpcUrl);

  // The settlements of twin 10 as sent: day 21's covers days 20 and 21 and is late.
  const rows10 = await settlementsOf(T10);
  const month10 = rows10.slice(-37);
  assert.deepEqual(
    month10.map((row) => [row.periodEnd, row.gross, row.net, row.late]),
    sent[10].map((s) => [String(s.end), String(s.gross), String(s.net), s.day === 21]),
  );
  assert.equal(BigInt(month10[19].periodEnd) - BigInt(month10[19].periodStart), 2n * DAY, 'day 21 settles two days');
  assert.equal(month10.find((row) => BigInt(row.periodEnd) === base + 30n * DAY).expectedGrossWei, null, 'no difficulty, no expected gross');

  // The 30 days up to day 38's end hold days 9 to 38 (a period ending exactly 30 days before is out).
  const inWindow = (id, first) => sent[id].filter((s) => s.day >= first);
  const total = (list, field) => list.reduce((sum, s) => sum + (s[field] ?? 0n), 0n);
  const twin10 = await twinRow(T10);
  const window10 = inWindow(10, 9);
  assert.equal(window10.length, 29);
  assert.deepEqual(
    [twin10.gross30d, twin10.net30d, twin10.expected30d, twin10.lateCount30d, twin10.settledThrough, twin10.lateAt],
    [
      String(total(window10, 'gross')),
      String(total(window10, 'net')),
      String(total(window10, 'expected')),
      1,
      String(base + 38n * DAY),
      String(base + 38n * DAY + DAY + 12n * 3_600n),
    ],
  );
  const ratio10 = Number(twin10.paidRatioBps30d);
  assert.ok(ratio10 >= 8_495 && ratio10 <= 8_500, `twin 10 paid ${ratio10} bps of its expected gross`);
  // Twin 11: days 7 to 35; its late first settlement ended before day 5 and is out.
  const twin11 = await twinRow(T11);
  const window11 = inWindow(11, 7);
  assert.equal(window11.length, 5);
  assert.deepEqual(
    [twin11.gross30d, twin11.net30d, twin11.expected30d, twin11.lateCount30d, twin11.settledCount],
    [String(total(window11, 'gross')), String(total(window11, 'net')), String(total(window11, 'expected')), 0, 6],
  );
  assert.ok(Number(twin11.paidRatioBps30d) >= 10_095, `twin 11 paid ${twin11.paidRatioBps30d} bps`);

  // 4. Yield follows the price: a listing, its cancellation (back to the last sale), a sale.
  const holder = ACCOUNTS.findIndex((account) => account.address.toLowerCase() === twin10.owner);
  const buyer = holder === 8 ? 7 : 8;
  const feeBps = await contracts.read('market', 'feeBps');
  const expiresAt = (await act.now()) + 30n * DAY;
  const net30d = BigInt(twin10.net30d);
  await contracts.write(holder, 'registry', 'setApprovalForAll', [contracts.address.market, true]);
  await contracts.write(holder, 'market', 'list', [T10, 2n * ETH, expiresAt, feeBps]);
  await waitSynced(indexer, rpcUrl);
  assert.equal((await twinRow(T10)).yieldBps, String(yieldOf(net30d, 2n * ETH)), 'yield on the listing price');
  await contracts.write(holder, 'market', 'cancelListing', [T10]);
  await waitSynced(indexer, rpcUrl);
  const lastSale = (await contracts.logs('market', 'Sold')).filter((log) => log.tokenId === T10).at(-1)?.price ?? null;
  const afterCancel = await twinRow(T10);
  assert.equal(afterCancel.lastSalePrice, lastSale === null ? null : String(lastSale));
  assert.equal(afterCancel.yieldBps, lastSale === null ? null : String(yieldOf(net30d, lastSale)), 'yield on the last sale');
  await contracts.write(holder, 'market', 'list', [T10, (3n * ETH) / 2n, expiresAt, feeBps]);
  await contracts.write(buyer, 'market', 'buy', [T10], (3n * ETH) / 2n);
  await waitSynced(indexer, rpcUrl);
  assert.equal((await twinRow(T10)).yieldBps, String(yieldOf(net30d, (3n * ETH) / 2n)), 'yield on the new sale');
  const twin11Price = BigInt((await twinRow(T11)).listingPrice);
  assert.equal(twin11.yieldBps, String(yieldOf(BigInt(twin11.net30d), twin11Price)), "twin 11's yield on its listing");

  // A settlement after the sale credits the buyer, who held the twin when it landed.
  const end = base + 39n * DAY;
  await act.at(end + 60n);
  await report10([{ timestamp: end, hashrateGhs: 149_000n, powerWatts: 3_230 }]);
  await act.publish('ethUsdFeed', ethUsdOn(39));
  await act.publish('btcUsdFeed', btcUsdOn(39));
  await settleAt(T10, samples10, 39, 90n);
  // 5. Claims: the first holder for itself, the buyer to another address.
  await contracts.write(holder, 'earnings', 'claim', [[]]);
  await contracts.write(buyer, 'earnings', 'claimTo', [ACCOUNTS[6].address, []]);
  await waitSynced(indexer, rpcUrl);
  const [afterSale] = (await settlementsOf(T10)).slice(-1);
  assert.equal(afterSale.holder, ACCOUNTS[buyer].address.toLowerCase());
  const accounts = await gql(
    indexer.url,
    `query A($a: String!, $b: String!) { a: account(id: $a) { earned claimed claimable } b: account(id: $b) { earned claimed claimable } }`,
    { a: ACCOUNTS[holder].address.toLowerCase(), b: ACCOUNTS[buyer].address.toLowerCase() },
  );
  assert.equal(accounts.a.claimable, '0');
  assert.equal(accounts.a.claimed, accounts.a.earned);
  assert.ok(BigInt(accounts.b.earned) >= BigInt(afterSale.net) && accounts.b.claimable === '0');

  // Everything against the chain: each settlement as its event, work and expected gross from the
  // telemetry events, every twin's figures, every holder's credits; terms and lateness (periodOf).
  const figures = await assertEarningsMatchChain(assert, indexer.url, contracts);
  await assertMatchesChain(assert, indexer.url, contracts);

  // 6. The gallery's sort and filters, as indexer/README.md gives them.
  const now = await act.now();
  const gallery = await gql(
    indexer.url,
    `query G($now: BigInt!) {
      byYield: twins(orderBy: "sortYield", orderDirection: "desc", limit: 1000) { items { id yieldBps } }
      paysInFull: twins(where: { paidRatioBps30d_gte: "9500" }, orderBy: "id", limit: 1000) { items { id } }
      onTime: twins(where: { lateCount30d: 0, lateAt_gt: $now }, orderBy: "id", limit: 1000) { items { id } }
    }`,
    { now: String(now) },
  );
  const ids = [...figures.keys()];
  const byYield = [...ids].sort((a, b) => {
    const [x, y] = [figures.get(a).yieldBps, figures.get(b).yieldBps];
    if (x !== null && y !== null && x !== y) return x > y ? -1 : 1;
    if ((x === null) !== (y === null)) return x === null ? 1 : -1;
    return a > b ? -1 : 1;
  });
  assert.deepEqual(gallery.byYield.items.map((item) => item.id), byYield.map(String), 'highest yield first, twins without one last, newest first');
  assert.ok(gallery.byYield.items.filter((item) => item.yieldBps !== null).length >= 2);
  const paysInFull = ids.filter((id) => (figures.get(id).paidRatioBps30d ?? -1n) >= 9_500n);
  assert.deepEqual(gallery.paysInFull.items.map((item) => item.id), paysInFull.map(String));
  const onTime = [];
  for (const id of ids) {
    const { lateAt } = await contracts.read('earnings', 'periodOf', [id]);
    if ((figures.get(id).lateCount30d ?? 0) === 0 && lateAt > now) onTime.push(id);
  }
  assert.deepEqual(gallery.onTime.items.map((item) => item.id), onTime.map(String));
  assert.ok(paysInFull.includes(T11) && !paysInFull.includes(T10), 'twin 11 pays in full, twin 10 does not');
  assert.ok(onTime.includes(T11) && !onTime.includes(T10), 'twin 11 pays on time, twin 10 was late');
});

test('fractions follow the chain: split, share transfers, lots, fills, expiry, cancel, cancel-all, settle, claim, join, re-split, decommission', async () => {
  const act = earningsActions(contracts, rpcUrl);
  const ETH = 10n ** 18n;
  const UNIT = 10n ** 18n;
  const DAY = 86_400n;
  const T9 = 9n;
  const { market, vault } = contracts.address;
  const feeBps = await contracts.read('market', 'feeBps');
  const indexOf = (address) => ACCOUNTS.findIndex((account) => account.address.toLowerCase() === lc(address));
  const owner = indexOf(await contracts.read('registry', 'ownerOf', [T9]));
  assert.ok(owner >= 0, 'twin 9 is held by an anvil account');
  const [friend, buyer, other] = [7, 6, 5].filter((index) => index !== owner);
  const at = (index) => ACCOUNTS[index].address;
  const lotIdOf = (receipt) => BigInt(receipt.logs.find((log) => lc(log.address) === lc(market)).topics[1]);
  const lotRow = async (id) => (await gql(indexer.url, `{ lot(id: "${id}") { state remaining } }`)).lot;
  const check = async () => {
    await waitSynced(indexer, rpcUrl);
    await assertMatchesChain(assert, indexer.url, contracts);
    return assertFractionsMatchChain(assert, indexer.url, contracts);
  };

  // 1. Split twin 9 into 1,000 shares; give 200 away.
  const supply = 1_000n * UNIT;
  await contracts.write(owner, 'registry', 'safeTransferFrom', [at(owner), vault, T9, encodeAbiParameters([{ type: 'uint256' }], [supply])]);
  const token = await contracts.read('vault', 'sharesOf', [T9]);
  const shares = { shares: token };
  await contracts.write(owner, shares, 'transfer', [at(friend), 200n * UNIT]);

  // 2. Three lots: A (300 at 0.002 ETH a share, ten days), B (100 at 0.001, a day), and C, the
  // friend's (100 at 0.0015, five days). A buyer takes 50.5 shares and a unit of A, paying
  // ceil(amount × price / 10^18): a wei more than the exact price.
  const now = await act.now();
  await contracts.write(owner, shares, 'approve', [market, 1_000n * UNIT]);
  const lotA = lotIdOf(await contracts.write(owner, 'market', 'listLot', [T9, 300n * UNIT, 2n * 10n ** 15n, now + 10n * DAY, feeBps]));
  const lotB = lotIdOf(await contracts.write(owner, 'market', 'listLot', [T9, 100n * UNIT, 10n ** 15n, now + DAY, feeBps]));
  await contracts.write(friend, shares, 'approve', [market, 100n * UNIT]);
  const lotC = lotIdOf(await contracts.write(friend, 'market', 'listLot', [T9, 100n * UNIT, 15n * 10n ** 14n, now + 5n * DAY, feeBps]));
  const bought = 50n * UNIT + UNIT / 2n + 1n;
  const cost = (bought * 2n * 10n ** 15n + UNIT - 1n) / UNIT;
  await contracts.write(buyer, 'market', 'buyLot', [lotA, bought], cost);
  let chainView = await check();
  let twin9 = chainView.twins.get(T9);
  assert.deepEqual(twin9.atNow, { forSaleBps: 4_494, cheapestPerShare: 10n ** 15n }, '(249.5 + 100 + 100) of 1,000 shares, cheapest at 0.001');
  assert.equal(twin9.lotPrice, ETH, 'the whole twin at its cheapest lot: 1 ETH');
  assert.equal((await lotRow(lotA)).remaining, String(300n * UNIT - bought));

  // 3. A settlement of the split twin goes to its shares token, pro rata; then shares move, and the
  // buyer claims what its shares earned.
  await act.publish('ethUsdFeed', 3_000n * 10n ** 8n);
  await act.report(T9, [{ timestamp: await act.now(), hashrateGhs: 95_000n, powerWatts: 3_250 }]);
  await act.settle(T9, 3n * 10n ** 16n);
  await contracts.write(buyer, shares, 'transfer', [at(other), 20n * UNIT]);
  await contracts.write(buyer, shares, 'transfer', [at(other), 0n]);
  await contracts.write(buyer, 'earnings', 'claim', [[T9]]);
  const [settledTo] = (await contracts.logs('earnings', 'Settled')).slice(-1);
  assert.equal(lc(settledTo.holder), lc(token), "a split twin's settlement credits its shares token");
  chainView = await check();
  await assertEarningsMatchChain(assert, indexer.url, contracts);

  // 4. Lot B expires with no event: a query after its expiry no longer counts it, though nothing
  // was indexed since. Then the friend withdraws C.
  const before = await spansAt(indexer.url, now + DAY - 1n);
  const after = await spansAt(indexer.url, now + DAY);
  const span = (list) => list.items.find((item) => item.twinId === String(T9));
  assert.deepEqual([span(before).forSaleBps, span(before).cheapestPerShare], [4_494, String(10n ** 15n)]);
  assert.deepEqual([span(after).forSaleBps, span(after).cheapestPerShare], [3_494, String(15n * 10n ** 14n)], 'B expired');
  assert.equal(span(after).askingPrice, String(15n * 10n ** 14n * 1_000n), 'priced at C, the cheapest lot left');
  await act.at(now + DAY + 60n);
  await rpc(rpcUrl, 'evm_mine');
  chainView = await check();
  assert.deepEqual(chainView.twins.get(T9).atNow, { forSaleBps: 3_494, cheapestPerShare: 15n * 10n ** 14n });
  await contracts.write(friend, 'market', 'cancelLot', [lotC]);
  chainView = await check();
  assert.equal(chainView.twins.get(T9).lotPrice, 2n * ETH, 'priced at A');

  // 5. The owner cancels all their listings: A dies, and so does B, though it had expired.
  await contracts.write(owner, 'market', 'cancelAllListings');
  chainView = await check();
  assert.equal(chainView.twins.get(T9).lotPrice, null, 'nothing for sale');
  assert.deepEqual([(await lotRow(lotA)).state, (await lotRow(lotB)).state], ['SellerCancelledAll', 'SellerCancelledAll']);
  const { twin: afterCancelAll } = await gql(indexer.url, `{ twin(id: "9") { forSaleBps cheapestPerShare lastFillPerShare yieldBps } }`);
  assert.deepEqual([afterCancelAll.forSaleBps, afterCancelAll.cheapestPerShare], [0, null]);
  assert.equal(afterCancelAll.lastFillPerShare, String((cost * UNIT) / bought), 'the yield falls back on the last fill');
  const lotD = lotIdOf(await contracts.write(owner, 'market', 'listLot', [T9, 10n * UNIT, 3n * 10n ** 15n, now + 20n * DAY, feeBps]));
  await check();

  // 6. Every share back to the owner, who joins the twin: lot D dies for good.
  for (const holder of [friend, buyer, other]) {
    const balance = await contracts.readShares(token, 'balanceOf', [at(holder)]);
    if (balance > 0n) await contracts.write(holder, shares, 'transfer', [at(owner), balance]);
  }
  await contracts.write(owner, 'vault', 'join', [T9]);
  chainView = await check();
  assert.equal(chainView.twins.get(T9).split, false);

  // 7. Split again, into 10 shares: the same token; D stays dead; a new lot E lives.
  await contracts.write(owner, 'registry', 'safeTransferFrom', [at(owner), vault, T9, encodeAbiParameters([{ type: 'uint256' }], [10n * UNIT])]);
  assert.equal(await contracts.read('vault', 'sharesOf', [T9]), token, 'a twin split again reuses its token');
  await contracts.write(owner, shares, 'approve', [market, 10n * UNIT]);
  const lotE = lotIdOf(await contracts.write(owner, 'market', 'listLot', [T9, 4n * UNIT, 5n * 10n ** 16n, now + 20n * DAY, feeBps]));
  chainView = await check();
  assert.deepEqual(chainView.twins.get(T9).atNow, { forSaleBps: 4_000, cheapestPerShare: 5n * 10n ** 16n });
  // A and B, dead since the cancel-all but still stored, now show the join, which outranks it (the
  // app's book drops a joined twin's lots); C was withdrawn, so it is no longer stored at all.
  const states = async (ids) => Promise.all(ids.map(async (id) => (await lotRow(id)).state));
  assert.deepEqual(await states([lotA, lotB, lotC, lotD, lotE]), ['Joined', 'Joined', 'Cancelled', 'Joined', 'Live']);

  // 8. Twin 3, split by the seed with a lot live, is decommissioned: its lot dies with the rig.
  const lot3 = [...chainView.lots.values()].find((lot) => lot.stored && lot.live && lot.twinId === 3n);
  assert.ok(lot3, 'twin 3 has a live lot');
  const operator3 = indexOf(await contracts.read('registry', 'operatorOf', [3n]));
  await contracts.write(operator3, 'registry', 'setStatus', [3n, 2]);
  chainView = await check();
  assert.equal((await lotRow(lot3.id)).state, 'Retired');
  assert.equal(chainView.twins.get(3n).lotPrice, null);
  const { twin: twin3 } = await gql(indexer.url, '{ twin(id: "3") { split forSaleBps cheapestPerShare } }');
  assert.deepEqual(twin3, { split: true, forSaleBps: 0, cheapestPerShare: null }, 'still split, nothing for sale');

  // Provenance: the transfers into and out of the vault are part of the split and the join.
  const { twin } = await gql(
    indexer.url,
    `{ twin(id: "9") { events(where: { kind_in: [Transfer, Split, Joined] }, orderBy: "id", limit: 100) { items { kind merged } } } }`,
  );
  assert.deepEqual(
    twin.events.items.map((row) => `${row.kind}${row.merged ? ' (merged)' : ''}`),
    ['Transfer (merged)', 'Transfer (merged)', 'Split', 'Joined', 'Transfer (merged)', 'Transfer (merged)', 'Split'],
  );

  // The gallery, with split twins priced whole by their cheapest lots, the split filter among them.
  const { now: chainNow, twins } = await assertMatchesChain(assert, indexer.url, contracts);
  for (const query of [
    { ...defaultQuery(), splitOnly: true, sort: 'price-asc' },
    { ...defaultQuery(), listedOnly: true, sort: 'price-desc' },
    { ...defaultQuery(), priceMax: 2n * ETH, sort: 'price-asc' },
    { ...defaultQuery(), splitOnly: true, sort: 'newest' },
  ]) {
    const expected = expectedGallery(twins, query).map((row) => String(row.id));
    const { items, total } = await galleryPage(indexer.url, query, chainNow, 48);
    assert.deepEqual(items.map((item) => item.twinId), expected, JSON.stringify(query, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
    assert.equal(total, expected.length);
  }
  assert.ok(expectedGallery(twins, { ...defaultQuery(), splitOnly: true }).length === 3, 'twins 2, 3 and 9 are split');
});

test('/history serves exactly the logs the app would read from the chain, in pages cut at blocks', async () => {
  // The events `CollectionLogs` (src/chain/collection.rs) asks the chain for.
  const kept = {
    registry: ['TwinMinted', 'EarningTermsFixed', 'Transfer', 'Approval', 'ApprovalForAll', 'StatusChanged', 'OperatorProposed', 'OperatorTransferred', 'ReporterChanged', 'MaintenanceLogged'],
    market: ['Listed', 'ListingCancelled', 'AllListingsCancelled', 'Sold', 'OfferMade', 'OfferRaised', 'OfferCancelled', 'OfferAccepted', 'LotListed', 'LotFilled', 'LotCancelled'],
    ledger: ['WorkCredited'],
    earnings: ['Settled', 'Claimed'],
    vault: ['Split', 'Joined'],
  };
  const topics = Object.entries(kept).flatMap(([contract, names]) =>
    names.map((name) => toEventSelector(ABI[contract].find((item) => item.type === 'event' && item.name === name))),
  );
  assert.equal(topics.length, 26);
  const { deploymentBlock } = await (await fetch(`${indexer.url}/deployment`)).json();
  const head = Number(await contracts.client.getBlockNumber());
  const addresses = Object.keys(kept).map((contract) => contracts.address[contract]);
  const chainLogs = await rpc(rpcUrl, 'eth_getLogs', [
    { address: addresses, topics: [topics], fromBlock: `0x${deploymentBlock.toString(16)}`, toBlock: `0x${head.toString(16)}` },
  ]);
  const kinds = new Set(chainLogs.map((log) => log.topics[0])).size;
  assert.ok(chainLogs.length > 50 && kinds >= 15, `a varied history (${chainLogs.length} logs of ${kinds} events)`);
  const contractOf = Object.fromEntries(Object.entries(kept).flatMap(([contract, names]) => names.map((name) => [name, contract])));
  for (const name of ['EarningTermsFixed', 'Settled', 'Claimed', 'Split', 'Joined', 'LotListed', 'LotFilled', 'LotCancelled']) {
    const topic = toEventSelector(ABI[contractOf[name]].find((item) => item.type === 'event' && item.name === name));
    assert.ok(chainLogs.some((log) => log.topics[0] === topic), `the history holds ${name}`);
  }


  // Small pages, so that many end on a block boundary and some would otherwise cut a block.
  const served = [];
  const times = {};
  let pages = 0;
  for (let from = deploymentBlock; from <= head; ) {
    const answer = await (await fetch(`${indexer.url}/history?from=${from}&to=${head}&limit=7`)).json();
    pages += 1;
    assert.ok(answer.through >= from && answer.through <= head, `page ${pages} covers ${from}..${answer.through}`);
    for (const log of answer.logs) {
      const block = Number(log.blockNumber);
      assert.ok(block >= from && block <= answer.through, `a log of block ${block} in a page of ${from}..${answer.through}`);
    }
    served.push(...answer.logs);
    Object.assign(times, answer.times);
    from = answer.through + 1;
  }
  assert.ok(pages > chainLogs.length / 7, `${pages} pages`);
  const fields = ({ address, topics, data, blockHash, blockNumber, transactionHash, transactionIndex, logIndex }) => ({
    address: address.toLowerCase(), topics, data, blockHash, blockNumber, transactionHash, transactionIndex, logIndex,
  });
  assert.deepEqual(served.map(fields), chainLogs.map(fields));
  for (const block of new Set(chainLogs.map((log) => log.blockNumber))) {
    const { timestamp } = await rpc(rpcUrl, 'eth_getBlockByNumber', [block, false]);
    assert.equal(times[Number(block)], Number(timestamp), `the time of block ${Number(block)}`);
  }
  const whole = await fetch(`${indexer.url}/history?from=${deploymentBlock}&to=${head}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(whole.headers.get('content-encoding'), 'gzip', 'the history is sent compressed');
  assert.equal((await whole.json()).logs.length, chainLogs.length);
  const refused = await fetch(`${indexer.url}/history?from=9&to=3`);
  assert.equal(refused.status, 400);
});

test('the API answers the app: CORS for another origin, the deployment, the indexed block', async () => {
  const preflight = await fetch(`${indexer.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://127.0.0.1:8080',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
  assert.ok(preflight.status < 300, `preflight answered ${preflight.status}`);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  const deployment = await (await fetch(`${indexer.url}/deployment`)).json();
  assert.deepEqual(deployment.contracts, {
    twinRegistry: chain.contracts.twinRegistry,
    twinMarket: chain.contracts.twinMarket,
    hashLedger: chain.contracts.hashLedger,
    twinEarnings: chain.contracts.twinEarnings,
    twinVault: chain.contracts.twinVault,
  });
  assert.equal(deployment.chainId, 31337);
  const meta = await gql(indexer.url, '{ _meta { status } }');
  const head = await contracts.client.getBlockNumber();
  assert.equal(BigInt(meta._meta.status.hashtwin.block.number), head);
});

test("every query indexer/README.md gives the app runs as written", async () => {
  const readme = readFileSync(join(ROOT, 'indexer', 'README.md'), 'utf8');
  const pairs = [...readme.matchAll(/```graphql\n([\s\S]*?)```\s*```json\n([\s\S]*?)```/g)];
  assert.ok(pairs.length >= 7, `README should hold the app's queries, found ${pairs.length}`);
  for (const [, query, variables] of pairs) {
    const name = /query (\w+)/.exec(query)?.[1];
    const data = await gql(indexer.url, query, JSON.parse(variables));
    assert.ok(data && Object.keys(data).length > 0, `${name} answered nothing`);
  }
  const page = await gql(indexer.url, pairs.find(([, query]) => query.includes('query TwinPage'))[1], {
    id: '1',
    now: String((await contracts.client.getBlock()).timestamp),
  });
  assert.deepEqual(
    page.twin.provenance.items.map((row) => row.kind),
    ['Minted', 'Sold'],
    'the provenance filter leaves out offers, maintenance, credits and the merged transfers',
  );
});

test('the indexer reached nothing but loopback (no telemetry)', () => {
  assert.deepEqual(indexer.guardViolations(), []);
});
