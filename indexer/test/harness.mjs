// What the indexer's tests share: free ports, the indexer as a child process (only ever reaching
// loopback), waiting for it to catch up with the chain, GraphQL, the contracts through viem, and
// the comparison of everything the indexer says about each twin with what the chain answers.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, decodeEventLog, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS, CHAIN_ID, ROOT, rpc } from '../../scripts/lib/localchain.mjs';
import { fractionsOnChain, spansAt } from './fractions.mjs';

export { ROOT };
export const INDEXER_DIR = join(ROOT, 'indexer');
const PONDER = join(ROOT, 'node_modules', 'ponder', 'dist', 'esm', 'bin', 'ponder.js');
const GUARD = join(INDEXER_DIR, 'test', 'loopback-only.cjs');
export const GUARD_MARKER = 'LOOPBACK-GUARD';

export { freePort } from '../../scripts/lib/localchain.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something truthy; fails with `what` and the last error. */
export async function until(what, probe, { timeoutMs = 60_000, everyMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      if (error.fatal) throw error;
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

/**
 * Runs `ponder <command>` in indexer/ with `env`, its output in `logPath`. The process is stopped
 * by its PID (SIGTERM, then SIGKILL after 10 s); `guardViolations()` lists any non-loopback
 * connection it tried.
 */
export function startPonder({ command, port, args = [], env, logPath }) {
  const log = createWriteStream(logPath);
  const child = spawn(
    process.execPath,
    ['--require', GUARD, PONDER, command, '--port', String(port), '--hostname', '127.0.0.1', '--log-format', 'json', ...args],
    {
      cwd: INDEXER_DIR,
      env: { ...inheritedEnv(), PONDER_TELEMETRY_DISABLED: 'true', HASHTWIN_CHAIN_ID: String(CHAIN_ID), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exit = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const stopOnExit = () => child.kill('SIGKILL');
  process.on('exit', stopOnExit);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    logPath,
    exited: () => exit,
    async stop() {
      process.off('exit', stopOnExit);
      if (exit === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await new Promise((resolve) => log.end(resolve));
    },
    logTail(lines = 40) {
      return existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n') : '';
    },
    guardViolations() {
      return readFileSync(logPath, 'utf8')
        .split('\n')
        .filter((line) => line.includes(GUARD_MARKER));
    },
  };
}

/** The environment without anything that would point the indexer elsewhere than the test says. */
function inheritedEnv() {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('HASHTWIN_') || name.startsWith('DATABASE_') || name.startsWith('PONDER_')) delete env[name];
  }
  return env;
}

/** Waits until the indexer answers /ready (historical indexing done). */
export async function waitReady(indexer, timeoutMs = 90_000) {
  await until(
    `${indexer.url}/ready`,
    async () => {
      if (indexer.exited()) {
        throw Object.assign(new Error(`ponder exited ${JSON.stringify(indexer.exited())}:\n${indexer.logTail()}`), {
          fatal: true,
        });
      }
      const response = await fetch(`${indexer.url}/ready`);
      return response.status === 200;
    },
    { timeoutMs },
  ).catch((error) => {
    throw error.fatal ? error : new Error(`${error.message}\n--- ${indexer.logPath}\n${indexer.logTail()}`);
  });
}

/** The block the indexer has indexed up to, from its /status endpoint. */
export async function indexedBlock(url) {
  const response = await fetch(`${url}/status`);
  if (response.status !== 200) throw new Error(`${url}/status answered ${response.status}`);
  const status = await response.json();
  const chain = Object.values(status)[0];
  return chain === undefined ? -1 : chain.block.number;
}

/** Waits until the indexer has indexed the chain's head; returns that block number. */
export async function waitSynced(indexer, rpcUrl, timeoutMs = 60_000) {
  const head = Number(await rpc(rpcUrl, 'eth_blockNumber'));
  await until(`${indexer.url} to index block ${head}`, async () => (await indexedBlock(indexer.url)) >= head, {
    timeoutMs,
  }).catch((error) => {
    throw new Error(`${error.message}\n--- ${indexer.logPath}\n${indexer.logTail()}`);
  });
  return head;
}

export async function gql(url, query, variables = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}\n${query}`);
  return body.data;
}

// ----------------------------------------------------------------------------------- the chain

const abiOf = (name) =>
  JSON.parse(readFileSync(join(ROOT, 'contracts', 'out', `${name}.sol`, `${name}.json`), 'utf8')).abi;

export const ABI = {
  registry: abiOf('TwinRegistry'),
  market: abiOf('TwinMarket'),
  ledger: abiOf('HashLedger'),
  earnings: abiOf('TwinEarnings'),
  vault: abiOf('TwinVault'),
  shares: abiOf('TwinShares'),
  feed: abiOf('PublishedFeed'),
};

/** The deployment's feeds, by their networks.json names: on the local chain all are PublishedFeeds. */
export const FEEDS = ['ethUsdFeed', 'btcUsdFeed', 'difficultyFeed', 'blockFeesFeed'];
const abiFor = (contract) => (FEEDS.includes(contract) ? ABI.feed : ABI[contract]);

export const ACCOUNTS = ANVIL_KEYS.map((key) => privateKeyToAccount(key));

export function chainClients(rpcUrl, contracts) {
  const chain = defineChain({
    id: CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  // No cached block number: the tests compare heads right after sending transactions.
  const client = createPublicClient({ chain, transport, cacheTime: 0 });
  const address = {
    registry: contracts.twinRegistry,
    market: contracts.twinMarket,
    ledger: contracts.hashLedger,
    earnings: contracts.twinEarnings,
    vault: contracts.twinVault,
    ...Object.fromEntries(FEEDS.map((feed) => [feed, contracts[feed]])),
  };
  const read = (contract, functionName, args = [], blockNumber) =>
    client.readContract({ address: address[contract], abi: abiFor(contract), functionName, args, blockNumber });
  /** A view of the shares token at `token` (an address: each split twin has its own). */
  const readShares = (token, functionName, args = [], blockNumber) =>
    client.readContract({ address: token, abi: ABI.shares, functionName, args, blockNumber });
  /** Sends a transaction from anvil account `from` and fails unless it succeeds. `contract` is a
   * name above, or `{ shares: <token address> }` for a shares token. */
  const write = async (from, contract, functionName, args = [], value) => {
    const wallet = createWalletClient({ chain, transport, account: ACCOUNTS[from] });
    const [to, abi] = typeof contract === 'string' ? [address[contract], abiFor(contract)] : [contract.shares, ABI.shares];
    const hash = await wallet.writeContract({ address: to, abi, functionName, args, value });
    const receipt = await client.waitForTransactionReceipt({ hash });
    const name = typeof contract === 'string' ? contract : `shares ${contract.shares}`;
    if (receipt.status !== 'success') throw new Error(`${name}.${functionName} reverted (${hash})`);
    return receipt;
  };
  const logs = async (contract, eventName) => {
    const raw = await client.getLogs({ address: address[contract], fromBlock: 0n, toBlock: 'latest' });
    return raw
      .map((log) => ({ log, decoded: safeDecode(abiFor(contract), log) }))
      .filter(({ decoded }) => decoded?.eventName === eventName)
      .map(({ log, decoded }) => ({ ...decoded.args, blockNumber: log.blockNumber, logIndex: log.logIndex }));
  };
  return { client, read, readShares, write, logs, address };
}

function safeDecode(abi, log) {
  try {
    return decodeEventLog({ abi, data: log.data, topics: log.topics });
  } catch (error) {
    // Logs of events outside the ABI (none today) are not ours to compare.
    if (error.name === 'AbiEventSignatureNotFoundError') return null;
    throw error;
  }
}

/** Mines `blocks` empty blocks, so that earlier activity lies beyond Ponder's 30-block
 * finality window for this chain id and is indexed by the backfill rather than block by block. */
export async function mineBlocks(rpcUrl, blocks) {
  await rpc(rpcUrl, 'anvil_mine', [`0x${blocks.toString(16)}`]);
}

// ------------------------------------------------------------------------------ donated work

const sha256 = (bytes) => createHash('sha256').update(bytes).digest();
const le32 = (value) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer;
};

/** HashLedger's target for compact `bits`. */
export function targetOf(bits) {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/** Finds `count` shares for `tokenId` credited to anvil account `from` at `bits`, and submits them
 * as one batch from that account. */
export async function donate(chain, from, tokenId, bits, count, jobSeed) {
  const contributor = ACCOUNTS[from].address;
  const commitment = Buffer.from((await chain.read('ledger', 'commitment', [tokenId, contributor])).slice(2), 'hex');
  const block = await chain.client.getBlock();
  const time = Number(block.timestamp);
  const version = 0x20000000;
  const seed = Buffer.from(jobSeed.slice(2), 'hex');
  const prefix = Buffer.concat([le32(version), commitment, seed, le32(time), le32(bits)]);
  const target = targetOf(bits);
  const nonces = [];
  for (let nonce = 0; nonces.length < count; nonce++) {
    const digest = sha256(sha256(Buffer.concat([prefix, le32(nonce)])));
    if (BigInt(`0x${Buffer.from(digest).reverse().toString('hex')}`) <= target) nonces.push(nonce);
  }
  await chain.write(from, 'ledger', 'submitShares', [
    { tokenId, contributor, jobSeed, version, time, bits, nonces },
  ]);
}

// ------------------------------------------------------------------------- indexer vs. chain

const TWIN_FIELDS = `id manufacturer model location serialHash hashrateGhs powerWatts commissionedAt royaltyBps
  owner operator pendingOperator reporter status lastTelemetryAt telemetryCount maintenanceCount
  listingId listingLive listingPrice listingExpiresAt listingSeller donatedWork donatedShares efficiencyJth
  listing { price expiresAt maxFeeBps seller state }
  mintedAt serviceFeeBps tariffMicroUsdPerKwh settlementPeriod gracePeriod settledCount settledThrough lateAt`;
const STATUS = ['Active', 'Offline', 'Decommissioned'];
const ZERO = '0x0000000000000000000000000000000000000000';
const lc = (value) => (value === null || value === undefined ? value : String(value).toLowerCase());

/**
 * Compares what the indexer says of every twin with what the contracts answer at the indexer's
 * block: ownership, custody, operation, status, spec, royalty, telemetry time, stored listing and
 * whether it can be bought, donated work, and how many telemetry and maintenance events there are;
 * and its gallery span at the block's time against the listing and the lots the chain holds then.
 * Returns the chain's view of the twins for further checks.
 */
export async function assertMatchesChain(assert, indexerUrl, chain) {
  const block = BigInt(await indexedBlock(indexerUrl));
  const { timestamp: now } = await chain.client.getBlock({ blockNumber: block });
  const supply = await chain.read('registry', 'totalSupply', [], block);
  const data = await gql(indexerUrl, `{ twins(orderBy: "id", orderDirection: "asc", limit: 1000) { totalCount items { ${TWIN_FIELDS} } } }`);
  assert.equal(data.twins.totalCount, Number(supply), 'every minted twin is indexed');

  const fractions = await fractionsOnChain(chain, block, now);
  const spans = await spansAt(indexerUrl, now);
  assert.equal(spans.totalCount, Number(supply), 'one gallery span of each twin in force now');
  const spanOf = new Map(spans.items.map((span) => [BigInt(span.twinId), span]));
  const telemetryLogs = await chain.logs('registry', 'TelemetryReported');
  const maintenanceLogs = await chain.logs('registry', 'MaintenanceLogged');
  const countFor = (logs, id) => logs.filter((log) => log.tokenId === id && log.blockNumber <= block).length;

  const truth = [];
  for (const indexed of data.twins.items) {
    const id = BigInt(indexed.id);
    const at = (contract, fn, args = [id]) => chain.read(contract, fn, args, block);
    const [custody, operator, pending, reporter, status, lastTelemetryAt, spec, royalty, stored, buyable, work, shares, terms, period] =
      await Promise.all([
        at('registry', 'custodyOf'),
        at('registry', 'operatorOf'),
        at('registry', 'pendingOperatorOf'),
        at('registry', 'reporterOf'),
        at('registry', 'statusOf'),
        at('registry', 'lastTelemetryAt'),
        at('registry', 'specOf'),
        at('registry', 'royaltyInfo', [id, 10_000n]),
        at('market', 'listingOf'),
        at('market', 'isBuyable'),
        at('ledger', 'workOf'),
        at('ledger', 'sharesOf'),
        at('registry', 'earningTermsOf'),
        at('earnings', 'periodOf'),
      ]);
    const [owner, , retired] = custody;
    const where = `twin ${id}`;
    assert.equal(indexed.owner, lc(owner), `${where}: owner`);
    assert.equal(indexed.operator, lc(operator), `${where}: operator`);
    assert.equal(indexed.pendingOperator, pending === ZERO ? null : lc(pending), `${where}: pending operator`);
    assert.equal(indexed.reporter, lc(reporter), `${where}: reporter`);
    assert.equal(indexed.status, STATUS[status], `${where}: status`);
    assert.equal(retired, indexed.status === 'Decommissioned', `${where}: retired`);
    assert.equal(indexed.lastTelemetryAt, String(lastTelemetryAt), `${where}: lastTelemetryAt`);
    assert.deepEqual(
      [indexed.manufacturer, indexed.model, indexed.location, indexed.serialHash, indexed.hashrateGhs, indexed.powerWatts, indexed.commissionedAt],
      [spec.manufacturer, spec.model, spec.location, spec.serialHash, String(spec.hashrateGhs), spec.powerWatts, String(spec.commissionedAt)],
      `${where}: spec`,
    );
    assert.equal(lc(royalty[0]), indexed.operator, `${where}: royalty receiver`);
    assert.equal(indexed.royaltyBps, Number(royalty[1]), `${where}: royalty`);
    // The market stores a listing until it is cancelled, sold or overwritten, dead or alive.
    if (stored.price === 0n) {
      assert.equal(indexed.listingId, null, `${where}: no stored listing`);
    } else {
      assert.ok(indexed.listing, `${where}: stored listing`);
      assert.deepEqual(
        [indexed.listing.price, indexed.listing.expiresAt, indexed.listing.maxFeeBps],
        [String(stored.price), String(stored.expiresAt), stored.maxFeeBps],
        `${where}: stored listing terms`,
      );
    }
    // Every demo seller has approved the market for all its twins, and the fee never changed, so
    // `isBuyable` is exactly whether the listing is live and unexpired.
    assert.equal(indexed.listingLive, indexed.listing?.state === 'Live', `${where}: live flag`);
    assert.equal(indexed.listingLive, indexed.listingPrice !== null, `${where}: gallery fields only while live`);
    const indexedBuyable = indexed.listingLive && BigInt(indexed.listingExpiresAt) > now;
    assert.equal(indexedBuyable, buyable, `${where}: buyable (listing state ${indexed.listing?.state})`);
    if (buyable) assert.equal(indexed.listingPrice, String(stored.price), `${where}: listing price`);
    assert.equal(indexed.donatedWork, String(work), `${where}: donated work`);
    assert.equal(indexed.donatedShares, String(shares), `${where}: donated shares`);
    assert.equal(indexed.telemetryCount, countFor(telemetryLogs, id), `${where}: telemetry events`);
    assert.equal(indexed.maintenanceCount, countFor(maintenanceLogs, id), `${where}: maintenance events`);
    const [fixed, mintedAt] = terms;
    assert.deepEqual(
      [indexed.serviceFeeBps, indexed.tariffMicroUsdPerKwh, indexed.settlementPeriod, indexed.gracePeriod, indexed.mintedAt],
      [fixed.serviceFeeBps, fixed.tariffMicroUsdPerKwh, fixed.settlementPeriod, fixed.gracePeriod, String(mintedAt)],
      `${where}: earning terms and mint time`,
    );
    // `periodOf` starts the next period where the last settled one ended (the mint before any).
    assert.equal(indexed.settledCount, period.settled, `${where}: settlements`);
    assert.equal(indexed.settledThrough, period.settled === 0 ? null : String(period.start), `${where}: settled through`);
    assert.equal(indexed.lateAt, String(period.lateAt), `${where}: late at`);
    // The gallery's view now: `GalleryEntry::asking_price` and its fraction, from the chain.
    const fraction = fractions.twins.get(id);
    const listingPrice = buyable ? stored.price : null;
    const askingPrice = listingPrice ?? fraction.lotPrice;
    const span = spanOf.get(id);
    assert.deepEqual(
      span,
      {
        twinId: String(id),
        forSale: askingPrice !== null,
        askingPrice: askingPrice === null ? null : String(askingPrice),
        listingPrice: listingPrice === null ? null : String(listingPrice),
        split: fraction.split,
        shareSupply: fraction.split ? String(fraction.supply) : null,
        forSaleBps: fraction.atNow?.forSaleBps ?? null,
        cheapestPerShare: fraction.atNow?.cheapestPerShare == null ? null : String(fraction.atNow.cheapestPerShare),
      },
      `${where}: gallery span now`,
    );
    truth.push({
      id,
      manufacturer: spec.manufacturer,
      model: spec.model,
      location: spec.location,
      status: STATUS[status],
      hashrateGhs: spec.hashrateGhs,
      powerWatts: spec.powerWatts,
      listingPrice,
      askingPrice,
      split: fraction.split,
      donatedWork: work,
    });
  }

  const counts = await gql(
    indexerUrl,
    `{ telemetryReports { totalCount } maintenanceLogs { totalCount } credits { totalCount } }`,
  );
  assert.equal(counts.telemetryReports.totalCount, telemetryLogs.filter((log) => log.blockNumber <= block).length);
  assert.equal(counts.maintenanceLogs.totalCount, maintenanceLogs.filter((log) => log.blockNumber <= block).length);
  const credits = await chain.logs('ledger', 'WorkCredited');
  assert.equal(counts.credits.totalCount, credits.filter((log) => log.blockNumber <= block).length);
  return { block, now, twins: truth, fractions };
}
