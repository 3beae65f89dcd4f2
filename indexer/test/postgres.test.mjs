// The public deployment in miniature: a real PostgreSQL, one `ponder start` indexing into its own
// schema and publishing it through the views schema, and a stateless `ponder serve` replica
// reading the views schema. Both must give the same answers, follow new blocks, and keep answering
// while a second indexer deployment takes over the views (the zero-downtime switch the README
// describes).
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startLocalChain } from '../../scripts/lib/localchain.mjs';
import {
  ROOT,
  assertMatchesChain,
  chainClients,
  freePort,
  gql,
  indexedBlock,
  mineBlocks,
  startPonder,
  until,
  waitReady,
  waitSynced,
} from './harness.mjs';
import { startPostgres } from './postgres.mjs';
import { assertEarningsMatchChain, earningsActions } from './earnings.mjs';
import { assertFractionsMatchChain } from './fractions.mjs';

const RUN = join(ROOT, '.run', 'test-indexer-postgres');
const VIEWS = 'hashtwin';

let chain;
let contracts;
let postgres;
let networks;
const indexers = {};
let replica;
/** Every ponder process, stopped or not, for the loopback check. */
const started = [];

const SNAPSHOT = `{
  _meta { status }
  twins(orderBy: "id", orderDirection: "asc", limit: 100) {
    totalCount
    items {
      id owner operator status listingPrice listingExpiresAt telemetryCount maintenanceCount donatedWork listing { state price }
      settledCount settledThrough lateAt net30d expected30d paidRatioBps30d yieldBps sortYield
    }
  }
  settlements(orderBy: "id", limit: 1000) { totalCount items { id twinId holder gross net workThs expectedGrossWei } }
  listings(orderBy: "id", limit: 100) { items { id twinId state price } }
  telemetryHours(where: { twinId: "2" }, orderBy: "hourStart", limit: 1000) { totalCount items { hourStart count avgHashrateGhs } }
  twinEvents(orderBy: "id", limit: 1000) { totalCount }
  gallerySpans(orderBy: "id", limit: 1000) {
    totalCount
    items { id twinId validFrom validUntil forSale askingPrice listingPrice split shareSupply forSaleBps cheapestPerShare sortPriceAsc sortYield }
  }
  lots(orderBy: "id", limit: 1000) { items { id twinId seller remaining pricePerShare expiresAt state } }
  shareTrades(orderBy: "id", limit: 1000) { items { lotId buyer amount price } }
  shareHoldings(orderBy: "id", limit: 1000) { items { id balance paidPerShare unpaidScaled taken } }
}`;

function startIndexer(schema, port) {
  const indexer = startPonder({
    command: 'start',
    port,
    env: {
      HASHTWIN_NETWORKS: networks,
      DATABASE_URL: postgres.url,
      DATABASE_SCHEMA: schema,
      DATABASE_VIEWS_SCHEMA: VIEWS,
    },
    logPath: join(RUN, `ponder-start-${schema}.log`),
  });
  started.push(indexer);
  return indexer;
}

before(async () => {
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  postgres = startPostgres({ dir: join(RUN, 'pg'), port: await freePort() });
  console.log(`postgres ${postgres.pid} on ${postgres.url}`);
  networks = join(RUN, 'networks.json');
  chain = await startLocalChain({ port: await freePort(), networks, log: (line) => console.log(`chain: ${line}`) });
  contracts = chainClients(chain.url, chain.contracts);
  await mineBlocks(chain.url, 40);
});

after(async () => {
  // Each step runs even when one before it fails; PostgreSQL is always stopped.
  const steps = [replica, indexers.a, indexers.b].filter(Boolean).map((process) => () => process.stop());
  steps.push(() => chain?.stop(), () => postgres?.stop());
  const failures = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'clean-up failed');
});

test('ponder start indexes into PostgreSQL and publishes the views schema', async () => {
  indexers.a = startIndexer('hashtwin_a', await freePort());
  await waitReady(indexers.a);
  await waitSynced(indexers.a, chain.url);
  await assertMatchesChain(assert, indexers.a.url, contracts);
  await assertFractionsMatchChain(assert, indexers.a.url, contracts);
  const views = postgres.psql(`SELECT definition FROM pg_views WHERE schemaname = '${VIEWS}' AND viewname = 'twin'`);
  assert.match(views, /hashtwin_a/, 'the views schema reads the first deployment');
});

test('a ponder serve replica on the views schema answers as the indexer does', async () => {
  replica = startPonder({
    command: 'serve',
    port: await freePort(),
    env: { HASHTWIN_NETWORKS: networks, DATABASE_URL: postgres.url, DATABASE_SCHEMA: VIEWS },
    logPath: join(RUN, 'ponder-serve.log'),
  });
  started.push(replica);
  await waitReady(replica);
  assert.deepEqual(await gql(replica.url, SNAPSHOT), await gql(indexers.a.url, SNAPSHOT));
  await assertMatchesChain(assert, replica.url, contracts);
});

test('the replica follows new blocks', async () => {
  const block = await contracts.client.getBlock();
  const feeBps = await contracts.read('market', 'feeBps');
  await contracts.write(1, 'market', 'list', [9n, 900_000_000_000_000_000n, block.timestamp + 86_400n, feeBps]);
  await contracts.write(4, 'registry', 'setStatus', [12n, 2]);
  // A settlement of twin 1 over a new hour of telemetry, at a fresh ETH/USD price.
  const act = earningsActions(contracts, chain.url);
  await act.report(1n, [{ timestamp: await act.now(), hashrateGhs: 198_000n, powerWatts: 3_480 }]);
  await act.publish('ethUsdFeed', 3_100n * 10n ** 8n);
  await act.settle(1n, 5n * 10n ** 15n);
  // Operator 2 offers 50,000 of twin 2's shares at 0.000002 ETH a share, and account 7 takes 20,000.
  const shares = { shares: await contracts.read('vault', 'sharesOf', [2n]) };
  const unit = 10n ** 18n;
  await contracts.write(2, shares, 'approve', [contracts.address.market, 50_000n * unit]);
  const listed = await contracts.write(2, 'market', 'listLot', [2n, 50_000n * unit, 2_000_000_000_000n, block.timestamp + 86_400n, feeBps]);
  const lotId = BigInt(listed.logs.find((log) => log.address.toLowerCase() === contracts.address.market.toLowerCase()).topics[1]);
  await contracts.write(7, 'market', 'buyLot', [lotId, 20_000n * unit], 20_000n * 2_000_000_000_000n);
  const head = await waitSynced(indexers.a, chain.url);
  await until('the replica to see the new head', async () => (await indexedBlock(replica.url)) >= head);
  assert.deepEqual(await gql(replica.url, SNAPSHOT), await gql(indexers.a.url, SNAPSHOT));
  const { twin } = await gql(replica.url, '{ twin(id: "12") { status listing { state } } }');
  assert.deepEqual(twin, { status: 'Decommissioned', listing: { state: 'Retired' } });
  await assertEarningsMatchChain(assert, replica.url, contracts);
  await assertMatchesChain(assert, replica.url, contracts);
  const { twins } = await assertFractionsMatchChain(assert, replica.url, contracts);
  assert.ok(twins.get(2n).atNow.cheapestPerShare === 2_000_000_000_000n, "the replica shows twin 2's new, cheaper lot");
  const { settlements } = await gql(replica.url, '{ settlements(where: { twinId: "1" }) { totalCount } }');
  assert.ok(settlements.totalCount >= 1, 'the replica shows the settlement');
});

test('a second deployment takes over the views while the replica keeps answering', async () => {
  indexers.b = startIndexer('hashtwin_b', await freePort());
  // Until b is ready the replica still reads a, and answers.
  const meanwhile = await gql(replica.url, SNAPSHOT);
  await waitReady(indexers.b);
  await waitSynced(indexers.b, chain.url);
  const views = postgres.psql(`SELECT definition FROM pg_views WHERE schemaname = '${VIEWS}' AND viewname = 'twin'`);
  assert.match(views, /hashtwin_b/, 'the views schema now reads the second deployment');
  await indexers.a.stop();
  delete indexers.a;
  assert.deepEqual(await gql(replica.url, SNAPSHOT), meanwhile, 'the same data through the new deployment');

  await contracts.write(2, 'registry', 'transferFrom', [
    '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
    6n,
  ]);
  const head = await waitSynced(indexers.b, chain.url);
  await until('the replica to follow the second deployment', async () => (await indexedBlock(replica.url)) >= head);
  await assertMatchesChain(assert, replica.url, contracts);
});

test('neither process reached anything but loopback', () => {
  assert.equal(started.length, 3);
  for (const process of started) assert.deepEqual(process.guardViolations(), [], process.logPath);
});
