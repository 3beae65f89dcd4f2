// The indexer on its embedded database, as scripts/dev runs it: a fresh anvil with the demo data
// and some donated work, `ponder start` on PGlite, and every answer checked against the contracts;
// then more transactions, each of which must change what the indexer says as it changes the chain.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toEventSelector } from 'viem';
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
  assert.equal(twins.filter((twin) => twin.listingPrice !== null).length, 5, 'the demo has five live listings');
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
  ];
  for (const query of cases) {
    const expected = expectedGallery(twins, query).map((twin) => String(twin.id));
    const label = JSON.stringify(query, (_, value) => (typeof value === 'bigint' ? String(value) : value));
    // Pages of 5, so that the price sorts' pages straddle the listed twins and the rest.
    const shown = [];
    for (let page = 0; page * 5 < Math.max(expected.length, 1); page++) {
      const { items, total } = await galleryPage(indexer.url, { ...query, page }, now, 5);
      assert.equal(total, expected.length, `${label}: total`);
      shown.push(...items.map((item) => item.id));
    }
    assert.deepEqual(shown, expected, label);
  }
  assert.ok(expectedGallery(twins, cases[0]).length >= 3, 'the first case should exercise the filters');

  const facets = await gql(
    indexer.url,
    `{ facets(where: { kind: Manufacturer }, limit: 1000) { items { key name count } }
       active: twins(where: { status: Active }) { totalCount }
       offline: twins(where: { status: Offline }) { totalCount }
       listed: twins(where: { listingExpiresAt_gt: "${now}" }) { totalCount } }`,
  );
  const makers = Object.fromEntries(facets.facets.items.map((facet) => [facet.name, facet.count]));
  assert.deepEqual(makers, { Bitmain: 7, MicroBT: 3, Canaan: 2 });
  assert.deepEqual([facets.active.totalCount, facets.offline.totalCount, facets.listed.totalCount], [11, 1, 5]);
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

  // Twin 2 (listed by operator 2) changes hands outside the market: its listing dies.
  await contracts.write(op2, 'registry', 'transferFrom', [address(op2), address(investor8), 2n]);
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
    2: 'ChangedHands',
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

  const twin2 = await gql(indexer.url, `{ twin(id: "2") { events(orderBy: "id", limit: 100) { items { kind merged } } } }`);
  const plain = twin2.twin.events.items.filter((row) => row.kind === 'Transfer' && !row.merged);
  assert.equal(plain.length, 1, 'a transfer outside a sale is a step of its own');

  const offer4 = await gql(indexer.url, `{ offer(id: "4-${address(investor9).toLowerCase()}") { status amount } }`);
  assert.deepEqual(offer4.offer, { status: 'Cancelled', amount: '500000000000000000' });

  const hours = await checkRollups(1n);
  assert.ok(Math.max(...hours.map((hour) => hour.count)) >= 2, 'an hour averages several samples');
});

test('/history serves exactly the logs the app would read from the chain, in pages cut at blocks', async () => {
  // The events `CollectionLogs` (src/chain/collection.rs) asks the chain for.
  const kept = {
    registry: ['TwinMinted', 'Transfer', 'Approval', 'ApprovalForAll', 'StatusChanged', 'OperatorProposed', 'OperatorTransferred', 'ReporterChanged', 'MaintenanceLogged'],
    market: ['Listed', 'ListingCancelled', 'AllListingsCancelled', 'Sold', 'OfferMade', 'OfferRaised', 'OfferCancelled', 'OfferAccepted'],
    ledger: ['WorkCredited'],
  };
  const topics = Object.entries(kept).flatMap(([contract, names]) =>
    names.map((name) => toEventSelector(ABI[contract].find((item) => item.type === 'event' && item.name === name))),
  );
  assert.equal(topics.length, 18);
  const { deploymentBlock } = await (await fetch(`${indexer.url}/deployment`)).json();
  const head = Number(await contracts.client.getBlockNumber());
  const chainLogs = await rpc(rpcUrl, 'eth_getLogs', [
    { address: Object.values(contracts.address), topics: [topics], fromBlock: `0x${deploymentBlock.toString(16)}`, toBlock: `0x${head.toString(16)}` },
  ]);
  const kinds = new Set(chainLogs.map((log) => log.topics[0])).size;
  assert.ok(chainLogs.length > 50 && kinds >= 12, `a varied history (${chainLogs.length} logs of ${kinds} events)`);

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
