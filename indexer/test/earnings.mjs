// Earnings for the indexer's tests: the figures a settlement should carry, worked out here from the
// chain's own logs (telemetry, settlements, sales, claims), and the transactions that make them
// (telemetry, feed answers, settlements) from anvil's accounts.
import { ABI, ACCOUNTS, gql, indexedBlock } from './harness.mjs';
import { fractionsOnChain } from './fractions.mjs';
import { rpc } from '../../scripts/lib/localchain.mjs';

const DAY = 86_400n;
const WINDOW = 30n * DAY;
/** The registry meters each telemetry sample over at most this long since the one before. */
const MAX_GAP = 3_600n;
const lc = (value) => (value === null || value === undefined ? value : String(value).toLowerCase());
const str = (value) => (value === null || value === undefined ? null : String(value));

/**
 * Hash work over (start, end] in GH·s: each report's hashrate over the time since the report before
 * it in the period, the period's start for the first, at most an hour. `reports` are the twin's, in
 * order.
 */
export function measuredWorkGhs(reports, start, end) {
  let previous = start;
  let work = 0n;
  for (const report of reports) {
    if (report.timestamp <= start || report.timestamp > end) continue;
    const gap = report.timestamp - previous;
    work += report.hashrateGhs * (gap < MAX_GAP ? gap : MAX_GAP);
    previous = report.timestamp;
  }
  return work;
}

/**
 * What `workGhs` GH·s should have earned, in wei: hashes × (3.125 BTC + fees) / (difficulty × 2³²)
 * is BTC; × BTC/USD is dollars; ÷ ETH/USD is ether. Null when a network figure is not published
 * (0 or less).
 */
export function expectedWei(workGhs, { btcUsd, difficulty, feesPerBlock, ethUsd }, btcDecimals, ethDecimals) {
  if (btcUsd <= 0n || difficulty <= 0n || feesPerBlock <= 0n) return null;
  const hashes = workGhs * 10n ** 9n;
  const satsPerBlock = 312_500_000n + feesPerBlock;
  // wei = hashes × sats/block × 10⁻⁸ BTC/sat ÷ (difficulty × 2³²) × btcUsd/10^btcDecimals ÷ (ethUsd/10^ethDecimals) × 10¹⁸
  return (
    (hashes * satsPerBlock * btcUsd * 10n ** BigInt(ethDecimals) * 10n ** 18n) /
    (difficulty * 2n ** 32n * 10n ** 8n * 10n ** BigInt(btcDecimals) * ethUsd)
  );
}

/** A twin's figures over the settlements whose period ends within 30 days of the latest's end. */
export function windowFigures(settlements) {
  const latest = settlements.at(-1);
  const recent = settlements.filter((s) => s.periodEnd > latest.periodEnd - WINDOW);
  const sum = (list, field) => list.reduce((total, s) => total + s[field], 0n);
  const priced = recent.filter((s) => s.expected !== null);
  const expected30d = priced.length === 0 ? null : sum(priced, 'expected');
  return {
    recent,
    gross30d: sum(recent, 'gross'),
    net30d: sum(recent, 'net'),
    expected30d,
    lateCount30d: recent.filter((s) => s.late).length,
    paidRatioBps30d: expected30d ? (sum(priced, 'gross') * 10_000n) / expected30d : null,
  };
}

export const yieldOf = (net30d, price) => (price === null ? null : (net30d * 365n * 10_000n) / (30n * price));

const SETTLEMENT_FIELDS = `id twinId index holder periodStart periodEnd energyWh late gross serviceFee electricity net
  shortfall serviceFeeCap electricityCap ethUsdPrice priceDecimals btcUsd btcUsdDecimals difficulty feesPerBlock
  networkOldestAt workThs expectedGrossWei blockNumber timestamp txHash`;
const TWIN_EARNINGS = `id settledCount settledThrough lateAt grossTotal netTotal gross30d net30d expected30d lateCount30d
  paidRatioBps30d yieldBps sortYield listingLive listingPrice lastSalePrice`;

/**
 * Every settlement, twin and holder the indexer shows against the chain at the indexer's block: each
 * settlement row field for field as its `Settled` event, its work and expected gross from the
 * twin's `TelemetryReported` events and the recorded figures, each twin's totals, 30-day figures
 * and yield (a split twin's on its lots, as the app takes it), and each holder's credits and claims
 * (`claimableOf`; a claim's amount less what shares tokens gave up to it, their `Taken`). Returns
 * the figures worked out here, by twin.
 */
export async function assertEarningsMatchChain(assert, indexerUrl, chain) {
  const block = BigInt(await indexedBlock(indexerUrl));
  const { timestamp: now } = await chain.client.getBlock({ blockNumber: block });
  const fractions = await fractionsOnChain(chain, block, now);
  const upTo = (logs) => logs.filter((log) => log.blockNumber <= block);
  const [telemetry, settled, sold, claimed] = await Promise.all([
    chain.logs('registry', 'TelemetryReported').then(upTo),
    chain.logs('earnings', 'Settled').then(upTo),
    chain.logs('market', 'Sold').then(upTo),
    chain.logs('earnings', 'Claimed').then(upTo),
  ]);
  const btcDecimals = await chain.read('btcUsdFeed', 'decimals');

  const data = await gql(
    indexerUrl,
    `{ settlements(orderBy: "id", orderDirection: "asc", limit: 1000) { totalCount items { ${SETTLEMENT_FIELDS} } }
       twins(orderBy: "id", orderDirection: "asc", limit: 1000) { items { ${TWIN_EARNINGS} } } }`,
  );
  assert.equal(data.settlements.totalCount, settled.length, 'every settlement is indexed');
  assert.ok(settled.length <= 1000, 'one page holds every settlement');

  const byTwin = new Map();
  settled.forEach((log, i) => {
    const row = data.settlements.items[i];
    const s = log.settlement;
    const where = `settlement ${log.index} of twin ${log.tokenId}`;
    const reports = telemetry.filter((t) => t.tokenId === log.tokenId).map((t) => t.report);
    const workGhs = measuredWorkGhs(reports, s.periodStart, s.periodEnd);
    const figures = { btcUsd: s.network.btcUsd, difficulty: s.network.difficulty, feesPerBlock: s.network.feesPerBlock, ethUsd: s.ethUsdPrice };
    const expected = expectedWei(workGhs, figures, btcDecimals, s.priceDecimals);
    const { id, blockNumber, timestamp, txHash, ...figuresShown } = row;
    assert.deepEqual(
      figuresShown,
      {
        twinId: String(log.tokenId),
        index: String(log.index),
        holder: lc(log.holder),
        periodStart: String(s.periodStart),
        periodEnd: String(s.periodEnd),
        energyWh: String(s.energyWh),
        late: s.late,
        gross: String(s.gross),
        serviceFee: String(s.serviceFee),
        electricity: String(s.electricity),
        net: String(s.net),
        shortfall: String(s.shortfall),
        serviceFeeCap: String(s.serviceFeeCap),
        electricityCap: String(s.electricityCap),
        ethUsdPrice: String(s.ethUsdPrice),
        priceDecimals: s.priceDecimals,
        btcUsd: String(s.network.btcUsd),
        btcUsdDecimals: btcDecimals,
        difficulty: String(s.network.difficulty),
        feesPerBlock: String(s.network.feesPerBlock),
        networkOldestAt: String(s.network.oldestAt),
        workThs: String(workGhs / 1000n),
        expectedGrossWei: str(expected),
      },
      where,
    );
    assert.equal(blockNumber, String(log.blockNumber), `${where}: block`);
    const twinSettlements = byTwin.get(log.tokenId) ?? [];
    twinSettlements.push({ ...s, expected, index: log.index, holder: lc(log.holder) });
    byTwin.set(log.tokenId, twinSettlements);
  });

  const figures = new Map();
  for (const twin of data.twins.items) {
    const id = BigInt(twin.id);
    const where = `twin ${id}`;
    const list = byTwin.get(id) ?? [];
    const lastSale = sold.filter((log) => log.tokenId === id).at(-1)?.price ?? null;
    assert.equal(twin.lastSalePrice, str(lastSale), `${where}: last sale`);
    const fraction = fractions.twins.get(id);
    const price = fraction.split ? fraction.yieldPrice : twin.listingLive ? BigInt(twin.listingPrice) : lastSale;
    if (list.length === 0) {
      assert.deepEqual(
        [twin.settledCount, twin.settledThrough, twin.grossTotal, twin.netTotal, twin.gross30d, twin.net30d, twin.expected30d, twin.lateCount30d, twin.paidRatioBps30d],
        [0, null, '0', '0', '0', '0', null, 0, null],
        `${where}: nothing settled`,
      );
      assert.equal(twin.yieldBps, null, `${where}: no yield without settlements`);
      figures.set(id, { yieldBps: null, settlements: [] });
      continue;
    }
    const window = windowFigures(list);
    const yieldBps = yieldOf(window.net30d, price);
    const sum = (field) => list.reduce((total, s) => total + s[field], 0n);
    assert.deepEqual(
      {
        settledCount: twin.settledCount,
        settledThrough: twin.settledThrough,
        grossTotal: twin.grossTotal,
        netTotal: twin.netTotal,
        gross30d: twin.gross30d,
        net30d: twin.net30d,
        expected30d: twin.expected30d,
        lateCount30d: twin.lateCount30d,
        paidRatioBps30d: twin.paidRatioBps30d,
        yieldBps: twin.yieldBps,
      },
      {
        settledCount: list.length,
        settledThrough: String(list.at(-1).periodEnd),
        grossTotal: String(sum('gross')),
        netTotal: String(sum('net')),
        gross30d: String(window.gross30d),
        net30d: String(window.net30d),
        expected30d: str(window.expected30d),
        lateCount30d: window.lateCount30d,
        paidRatioBps30d: str(window.paidRatioBps30d),
        yieldBps: str(yieldBps),
      },
      `${where}: earnings`,
    );
    figures.set(id, { ...window, yieldBps, settlements: list });
  }

  // Holders: what settlements credited them, what they claimed, and what the contract still owes. A
  // split twin's settlements went to its shares token, which owes its holders (fractions.mjs checks
  // them); a claim also takes what the shares tokens it names owe the claimant.
  const tokens = new Set([...fractions.twins.values()].map((twin) => twin.token).filter(Boolean));
  const taken =
    tokens.size === 0
      ? []
      : await chain.client.getContractEvents({ address: [...tokens], abi: ABI.shares, eventName: 'Taken', fromBlock: 0n, toBlock: block });
  const sum = (logs) => logs.reduce((total, log) => total + log, 0n);
  const holders = new Set([...settled.map((log) => lc(log.holder)), ...claimed.map((log) => lc(log.account))]);
  for (const holder of holders) {
    const { account } = await gql(
      indexerUrl,
      `query A($id: String!) { account(id: $id) { earned claimed claimable sharesClaimed } }`,
      { id: holder },
    );
    if (tokens.has(holder)) {
      assert.equal(account, null, `${holder} is a shares token, credited for its holders`);
      const { shareToken } = await gql(indexerUrl, `query T($id: String!) { shareToken(id: $id) { accrued } }`, { id: holder });
      const accrued = sum(settled.filter((log) => lc(log.holder) === holder).map((log) => log.settlement.net));
      assert.equal(shareToken.accrued, String(accrued), `${holder}: what settlements credited the shares`);
      continue;
    }
    const earned = sum(settled.filter((log) => lc(log.holder) === holder).map((log) => log.settlement.net));
    const fromShares = sum(taken.filter((log) => lc(log.args.holder) === holder).map((log) => log.args.amount));
    const paid = sum(claimed.filter((log) => lc(log.account) === holder).map((log) => log.amount)) - fromShares;
    const claimable = await chain.read('earnings', 'claimableOf', [holder], block);
    assert.equal(claimable, earned - paid, `${holder}: the contract owes what was credited less what was claimed`);
    assert.deepEqual(
      account,
      { earned: String(earned), claimed: String(paid), claimable: String(claimable), sharesClaimed: String(fromShares) },
      `account ${holder}`,
    );
  }
  return figures;
}

// ------------------------------------------------------------------------------- transactions

const indexOf = (address) => {
  const index = ACCOUNTS.findIndex((account) => account.address.toLowerCase() === address.toLowerCase());
  if (index < 0) throw new Error(`${address} is not one of anvil's accounts`);
  return index;
};

/** Telemetry, feed answers and settlements, sent as the twin's reporter, account 0 (which owns the
 * published feeds) and the twin's operator. */
export function earningsActions(chain, rpcUrl) {
  const now = async () => (await chain.client.getBlock({ blockTag: 'latest' })).timestamp;
  return {
    now,
    /** The next block is mined at `time` (unix seconds), and the chain's clock runs on from there. */
    async at(time) {
      await rpc(rpcUrl, 'evm_setNextBlockTimestamp', [Number(time)]);
    },
    async publish(feed, answer) {
      await chain.write(0, feed, 'publish', [answer]);
    },
    /** Reports `samples` ({ timestamp, hashrateGhs, powerWatts }) of `tokenId` from its reporter key. */
    async report(tokenId, samples) {
      const reporter = indexOf(await chain.read('registry', 'reporterOf', [tokenId]));
      const full = samples.map((sample) => ({
        boardTempDeciC: 650,
        fanRpm: 5_200,
        uptimeSeconds: 86_400,
        acceptedShares: 1_000n,
        rejectedShares: 2n,
        ...sample,
      }));
      for (let i = 0; i < full.length; i += 168) {
        await chain.write(reporter, 'registry', 'reportTelemetry', [tokenId, full.slice(i, i + 168)]);
      }
    },
    /** Settles `tokenId`'s period with `gross`, keeping the full service fee and `electricityShare`
     * of the electricity cap; pays in the net. Returns the figures sent. */
    async settle(tokenId, gross, electricityShare = 0.5) {
      const operator = indexOf(await chain.read('registry', 'operatorOf', [tokenId]));
      const quote = await chain.read('earnings', 'quote', [tokenId, gross]);
      const serviceFee = quote.serviceFeeCap;
      const electricity = (quote.electricityCap * BigInt(Math.round(electricityShare * 1000))) / 1000n;
      const kept = serviceFee + electricity;
      const net = kept <= gross ? gross - kept : 0n;
      await chain.write(operator, 'earnings', 'settle', [tokenId, quote.periodEnd, gross, serviceFee, electricity], net);
      return { gross, serviceFee, electricity, net };
    },
  };
}
