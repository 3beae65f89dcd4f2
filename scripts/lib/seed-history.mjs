// The month the demo twins lived before today, played day by day on the local chain's clock: hourly
// telemetry from the reporter keys, the feeds moving as markets do, each operator settling its twins'
// pool earnings when they fall due, twin 3 sold to an investor mid-month, and twins 2 and 3 split
// into shares that change hands. It runs between
// the Seed.s.sol phases (see localchain.mjs). A forge script cannot do this: it broadcasts only after
// it has run, so it cannot move the chain's clock between transactions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, encodeAbiParameters, http, keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const DAY = 86_400;
const HOUR = 3_600;
/** How many days of history the seed plays: localchain.mjs starts the chain that long ago. */
export const HISTORY_DAYS = 30;
export const TWINS_WITH_TELEMETRY = 8;

/** Operator 4 keeps back about 15% of what its pool paid, which the app must catch. */
const UNDERPAYING_OPERATOR = 4;
const UNDERPAID_SHARE = 0.85;
/** Twin 5's operator stops settling it three days before today: it is late. */
const LATE_TWIN = 5;
const LATE_TWIN_LAST_SETTLED_DAY = HISTORY_DAYS - 3;
/** Twin 2's operator skips two days once, so one settlement on record came late. */
const SKIPPING_TWIN = 2;
const SKIPPED_DAYS = new Set([9, 10]);
/** Twin 3 is sold mid-month, between two of its weekly settlements: operator 3 keeps what was
 * credited before, investor 9 (anvil account 9) receives what comes after. */
const SALES = [{ day: 15, tokenId: 3, buyer: 9, priceEth: 2.8 }];
/**
 * Two twins are split into shares and their shares change hands, so that a new user finds living
 * cap tables: twin 2 by its operator on the first day (it had been listed whole at 2.4 ETH, and its
 * lot asks the same per share), twin 3 by investor 9 the day after buying it. Each lot is filled in
 * part, and each split twin's settlements are shared among whoever holds its shares that day.
 */
const FRACTIONS = [
  {
    tokenId: 2,
    day: 1,
    by: 2,
    supply: 1_000_000n,
    gifts: [{ day: 1, to: 8, shares: 150_000n }],
    lot: { day: 2, shares: 300_000n, priceWei: 2_400_000_000_000n, days: 60 },
    fills: [{ day: 10, buyer: 9, shares: 100_000n }, { day: 20, buyer: 8, shares: 50_000n }],
  },
  {
    tokenId: 3,
    day: 16,
    by: 9,
    supply: 100_000n,
    gifts: [],
    lot: { day: 16, shares: 40_000n, priceWei: 30_000_000_000_000n, days: 60 },
    fills: [{ day: 18, buyer: 8, shares: 15_000n }],
  },
];
/** Investor 8 claims what its shares had earned once, so that its portfolio shows both figures. */
const SHARE_CLAIM = { day: 25, account: 8, twins: [2n, 3n] };
const SHARE_UNIT = 10n ** 18n;
/** A pool keeps about 2% and luck moves a day's payout by a few percent. */
const POOL_FEE = 0.02;
const LUCK = 0.03;
const SUBSIDY_SATS = 312_500_000n;

const abi = (name) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'contracts', 'out', `${name}.sol`, `${name}.json`), 'utf8')).abi;

/** A deterministic draw in [0, 1) from (label, a, b): the same demo on every run. */
function draw(label, a, b) {
  const word = keccak256(encodeAbiParameters([{ type: 'string' }, { type: 'uint256' }, { type: 'uint256' }], [label, BigInt(a), BigInt(b)]));
  return Number(BigInt(word) % 1_000_000n) / 1_000_000;
}

/** One hourly sample, as Seed.s.sol used to draw it: a little under nominal with noise, power
 * following load, board temperature following load and the day's ambient swing, fans following
 * temperature, and the odd reboot and fan failure. */
function hourlyReport(spec, tokenId, hour, uptime) {
  const word = BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [BigInt(tokenId), BigInt(hour)])));
  const bits = (shift, modulo) => Number((word >> BigInt(shift)) % BigInt(modulo));
  const rebooted = bits(0, 89) === 0;
  const fanFailed = bits(8, 131) === 0;
  const uptimeAfter = rebooted ? 20 * 60 : uptime + HOUR;
  const loadBps = rebooted ? 3_300 : 9_550 + bits(16, 600);
  const dayHour = hour % 24;
  const ambient = dayHour < 14 ? dayHour * 8 : (24 - dayHour) * 11;
  const temperature = 560 + ambient + Math.floor(loadBps / 100) + bits(32, 25) + (fanFailed ? 140 : 0);
  const hashrateGhs = (spec.hashrateGhs * BigInt(loadBps)) / 10_000n;
  const acceptedShares = (hashrateGhs * 3_600n) / 180_000n;
  return {
    uptime: uptimeAfter,
    report: {
      timestamp: 0n,
      hashrateGhs,
      powerWatts: Math.floor((spec.powerWatts * (1_000 + Math.floor((loadBps * 9) / 10))) / 10_000),
      boardTempDeciC: temperature,
      fanRpm: fanFailed ? 0 : 4_200 + (temperature - 560) * 9 + bits(48, 150),
      uptimeSeconds: uptimeAfter,
      acceptedShares,
      rejectedShares: (acceptedShares * BigInt(bits(64, 40))) / 10_000n,
    },
  };
}

/** The markets as they moved over the month: ETH and BTC on random walks, the network's fees per
 * block changing daily and its difficulty adjusting every two weeks. */
function marketOn(day) {
  let eth = 3_000;
  let btc = 91_000;
  for (let d = 1; d <= day; d++) {
    eth *= 1 + (draw('eth', d, 0) - 0.5) * 0.05;
    btc *= 1 + (draw('btc', d, 0) - 0.5) * 0.04;
  }
  return {
    ethUsd: BigInt(Math.round(eth * 1e8)),
    btcUsd: BigInt(Math.round(btc * 1e8)),
    difficulty: day < 14 ? 152_000_000_000_000n : 155_040_000_000_000n,
    feesPerBlockSats: BigInt(Math.round(1_500_000 + draw('fees', day, 0) * 1_000_000)),
  };
}

/** What a pool paid for `workThs` TH·s at `market`, in wei, before luck and the pool's fee:
 * (subsidy + fees) BTC per block, a block per difficulty × 2^32 hashes. */
function poolPaysWei(workThs, market) {
  const btcSats = (workThs * 10n ** 12n * (SUBSIDY_SATS + market.feesPerBlockSats)) / (market.difficulty * 2n ** 32n);
  return (btcSats * market.btcUsd * 10n ** 10n) / market.ethUsd;
}

/**
 * Plays the month on the chain at `rpcUrl` whose twins Seed.s.sol has just minted, at `mintedAt`.
 * `keys` are anvil's dev keys; `operatorOf(tokenId)` and `reporterOf(tokenId)` name their indices.
 */
export async function playHistory({ rpcUrl, contracts, keys, mintedAt, operatorOf, reporterOf }) {
  const transport = http(rpcUrl);
  const chain = { id: 31337, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
  // anvil mines each transaction as it arrives: its receipt is there at the first look.
  const reader = createPublicClient({ chain, transport, pollingInterval: 20 });
  const wallets = keys.map((key) => createWalletClient({ chain, transport, account: privateKeyToAccount(key) }));
  const [registryAbi, marketAbi, earningsAbi, feedAbi, vaultAbi, sharesAbi] =
    ['TwinRegistry', 'TwinMarket', 'TwinEarnings', 'PublishedFeed', 'TwinVault', 'TwinShares'].map(abi);

  const send = async (signer, address, contractAbi, functionName, args, value) => {
    const hash = await wallets[signer].writeContract({ address, abi: contractAbi, functionName, args, value });
    const receipt = await reader.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName}(${args.join(', ')}) reverted`);
  };
  const setTime = (timestamp) => reader.request({ method: 'evm_setNextBlockTimestamp', params: [`0x${timestamp.toString(16)}`] });
  const publish = async (market) => {
    await send(0, contracts.ethUsdFeed, feedAbi, 'publish', [market.ethUsd]);
    await send(0, contracts.btcUsdFeed, feedAbi, 'publish', [market.btcUsd]);
    await send(0, contracts.difficultyFeed, feedAbi, 'publish', [market.difficulty]);
    await send(0, contracts.blockFeesFeed, feedAbi, 'publish', [market.feesPerBlockSats]);
  };

  const twins = [];
  for (let tokenId = 1; tokenId <= TWINS_WITH_TELEMETRY; tokenId++) {
    const spec = await reader.readContract({ address: contracts.twinRegistry, abi: registryAbi, functionName: 'specOf', args: [BigInt(tokenId)] });
    const [terms] = await reader.readContract({ address: contracts.twinRegistry, abi: registryAbi, functionName: 'earningTermsOf', args: [BigInt(tokenId)] });
    twins.push({ tokenId, spec, terms, uptime: 40 * DAY + tokenId * DAY, unsettledWorkThs: 0n, lastSettledDay: 0 });
  }

  const lots = new Map();
  /** The day's splits, gifts, lots, fills and claims of shares, before the day's settlements. */
  async function playFractions(day, dayEnd) {
    const feeBps = await reader.readContract({ address: contracts.twinMarket, abi: marketAbi, functionName: 'feeBps' });
    for (const fraction of FRACTIONS) {
      const sharesOf = () =>
        reader.readContract({ address: contracts.twinVault, abi: vaultAbi, functionName: 'sharesOf', args: [BigInt(fraction.tokenId)] });
      if (fraction.day === day) {
        const holder = wallets[fraction.by].account.address;
        const supply = encodeAbiParameters([{ type: 'uint256' }], [fraction.supply * SHARE_UNIT]);
        await send(fraction.by, contracts.twinRegistry, registryAbi, 'safeTransferFrom', [holder, contracts.twinVault, BigInt(fraction.tokenId), supply]);
      }
      for (const gift of fraction.gifts.filter((gift) => gift.day === day)) {
        await send(fraction.by, await sharesOf(), sharesAbi, 'transfer', [wallets[gift.to].account.address, gift.shares * SHARE_UNIT]);
      }
      if (fraction.lot.day === day) {
        const { shares, priceWei, days } = fraction.lot;
        await send(fraction.by, await sharesOf(), sharesAbi, 'approve', [contracts.twinMarket, shares * SHARE_UNIT]);
        await send(fraction.by, contracts.twinMarket, marketAbi, 'listLot',
          [BigInt(fraction.tokenId), shares * SHARE_UNIT, priceWei, BigInt(dayEnd + days * DAY), feeBps]);
        const count = await reader.readContract({ address: contracts.twinMarket, abi: marketAbi, functionName: 'lotCount' });
        lots.set(fraction.tokenId, count);
      }
      for (const fill of fraction.fills.filter((fill) => fill.day === day)) {
        const price = fill.shares * fraction.lot.priceWei;
        await send(fill.buyer, contracts.twinMarket, marketAbi, 'buyLot', [lots.get(fraction.tokenId), fill.shares * SHARE_UNIT], price);
      }
    }
    if (SHARE_CLAIM.day === day) {
      await send(SHARE_CLAIM.account, contracts.twinEarnings, earningsAbi, 'claim', [SHARE_CLAIM.twins]);
    }
  }

  for (let day = 1; day <= HISTORY_DAYS; day++) {
    const dayEnd = mintedAt + day * DAY;
    await setTime(dayEnd + 60);
    const market = marketOn(day);
    await publish(market);

    for (const twin of twins) {
      const reports = [];
      for (let hour = 0; hour < 24; hour++) {
        const index = (day - 1) * 24 + hour;
        const sample = hourlyReport(twin.spec, twin.tokenId, index, twin.uptime);
        twin.uptime = sample.uptime;
        sample.report.timestamp = BigInt(mintedAt + (index + 1) * HOUR);
        // Hourly reports: every gap is the metered hour, so the work is simply hashrate × an hour.
        twin.unsettledWorkThs += (sample.report.hashrateGhs * BigInt(HOUR)) / 1_000n;
        reports.push(sample.report);
      }
      await send(reporterOf(twin.tokenId), contracts.twinRegistry, registryAbi, 'reportTelemetry', [BigInt(twin.tokenId), reports]);
    }

    await playFractions(day, dayEnd);

    for (const twin of twins) {
      const periodDays = twin.terms.settlementPeriod / DAY;
      const due = (day - twin.lastSettledDay) >= periodDays;
      const skipped = (twin.tokenId === LATE_TWIN && day > LATE_TWIN_LAST_SETTLED_DAY) ||
        (twin.tokenId === SKIPPING_TWIN && SKIPPED_DAYS.has(day));
      if (!due || skipped) continue;
      const operator = operatorOf(twin.tokenId);
      const luck = 1 + (draw('luck', twin.tokenId, day) - 0.5) * 2 * LUCK;
      const paid = (1 - POOL_FEE) * luck * (operator === UNDERPAYING_OPERATOR ? UNDERPAID_SHARE : 1);
      const gross = (poolPaysWei(twin.unsettledWorkThs, market) * BigInt(Math.round(paid * 1e6))) / 1_000_000n;
      const quote = await reader.readContract({ address: contracts.twinEarnings, abi: earningsAbi, functionName: 'quote', args: [BigInt(twin.tokenId), gross] });
      await send(operator, contracts.twinEarnings, earningsAbi, 'settle',
        [BigInt(twin.tokenId), quote.periodEnd, gross, quote.serviceFeeCap, quote.electricityCap], quote.net);
      twin.unsettledWorkThs = 0n;
      twin.lastSettledDay = day;
    }

    for (const sale of SALES.filter((sale) => sale.day === day)) {
      const seller = operatorOf(sale.tokenId);
      const price = BigInt(Math.round(sale.priceEth * 1e6)) * 10n ** 12n;
      const feeBps = await reader.readContract({ address: contracts.twinMarket, abi: marketAbi, functionName: 'feeBps' });
      await send(seller, contracts.twinRegistry, registryAbi, 'setApprovalForAll', [contracts.twinMarket, true]);
      await send(seller, contracts.twinMarket, marketAbi, 'list', [BigInt(sale.tokenId), price, BigInt(dayEnd + 30 * DAY), feeBps]);
      await send(sale.buyer, contracts.twinMarket, marketAbi, 'buy', [BigInt(sale.tokenId)], price);
    }
  }
}

/** Publishes today's prices, so that a settlement now finds them fresh. */
export async function publishToday({ rpcUrl, contracts, key }) {
  const chain = { id: 31337, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
  const reader = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 20 });
  const wallet = createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(key) });
  const market = marketOn(HISTORY_DAYS + 1);
  const feedAbi = abi('PublishedFeed');
  for (const [feed, answer] of [
    [contracts.ethUsdFeed, market.ethUsd],
    [contracts.btcUsdFeed, market.btcUsd],
    [contracts.difficultyFeed, market.difficulty],
    [contracts.blockFeesFeed, market.feesPerBlockSats],
  ]) {
    const hash = await wallet.writeContract({ address: feed, abi: feedAbi, functionName: 'publish', args: [answer] });
    await reader.waitForTransactionReceipt({ hash });
  }
}
