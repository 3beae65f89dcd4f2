// TwinEarnings: settlements of each twin's periods, what they should have earned by the measured
// work, the twin's 30-day figures and yield, and what each holder was credited and claimed.
import { and, eq, gt } from "ponder";
import { type Context, ponder } from "ponder:registry";
import { account, settlement, shareToken, twin } from "ponder:schema";
import { TwinEarningsAbi } from "../abis/TwinEarnings";
import { getTwin, keepLog, lower, refreshTwin, type Hex } from "./lib";

/** What a block pays its miner before fees since the halving of April 2024, in satoshis. */
const SUBSIDY_SATS = 312_500_000n;
const SATS_A_BTC = 100_000_000n;
const HASHES_A_GIGAHASH = 1_000_000_000n;
/** Hashes a block takes on average per unit of difficulty. */
const HASHES_A_DIFFICULTY = 1n << 32n;
const WEI_AN_ETHER = 10n ** 18n;
const WINDOW = 30n * 86_400n;
const BPS = 10_000n;

const DecimalsAbi = [
  { type: "function", name: "decimals", inputs: [], outputs: [{ name: "", type: "uint8" }], stateMutability: "view" },
] as const;

/** The BTC/USD feed's decimals, by TwinEarnings address: both are immutable, so read once. */
const btcUsdDecimals = new Map<Hex, Promise<number>>();

function btcUsdDecimalsOf(context: Context, earnings: Hex): Promise<number> {
  const key = lower(earnings);
  let decimals = btcUsdDecimals.get(key);
  if (decimals === undefined) {
    decimals = (async () => {
      const feed = await context.client.readContract({ abi: TwinEarningsAbi, address: key, functionName: "btcUsdFeed" });
      return context.client.readContract({ abi: DecimalsAbi, address: feed, functionName: "decimals" });
    })();
    // A failed read is tried again by the next settlement.
    decimals.catch(() => btcUsdDecimals.delete(key));
    btcUsdDecimals.set(key, decimals);
  }
  return decimals;
}

/**
 * What `workGhs` GH·s of hashing earns at the recorded network figures, in wei at the recorded
 * ETH/USD price: work × (subsidy + fees) / (difficulty × 2^32) BTC, × BTC/USD, ÷ ETH/USD. One
 * division, so the result is exact but for rounding down. Null when a price or the difficulty is
 * 0 or less, or the fees are negative (not published): a block without fees is a real figure.
 */
export function expectedGrossWei(
  workGhs: bigint,
  figures: { btcUsd: bigint; difficulty: bigint; feesPerBlock: bigint; ethUsdPrice: bigint },
  btcUsdDecimals: number,
  ethUsdDecimals: number,
): bigint | null {
  const { btcUsd, difficulty, feesPerBlock, ethUsdPrice } = figures;
  if (btcUsd <= 0n || difficulty <= 0n || feesPerBlock < 0n || ethUsdPrice <= 0n) return null;
  const numerator =
    workGhs * HASHES_A_GIGAHASH * (SUBSIDY_SATS + feesPerBlock) * btcUsd * 10n ** BigInt(ethUsdDecimals) * WEI_AN_ETHER;
  const denominator = difficulty * HASHES_A_DIFFICULTY * SATS_A_BTC * 10n ** BigInt(btcUsdDecimals) * ethUsdPrice;
  return numerator / denominator;
}

ponder.on("TwinEarnings:Settled", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, index, holder, settlement: s } = event.args;
  const row = await getTwin(context, tokenId);
  // A period ends at the twin's newest report when it is settled: the work metered so far is the
  // period's, less what earlier periods took.
  if (row.lastTelemetryAt !== s.periodEnd) {
    throw new Error(`twin ${tokenId}: a period settled through ${s.periodEnd}, its telemetry through ${row.lastTelemetryAt}`);
  }
  const workGhs = row.workMeteredGhs - row.workSettledGhs;
  const btcDecimals = await btcUsdDecimalsOf(context, event.log.address);
  const figures = {
    btcUsd: s.network.btcUsd,
    difficulty: s.network.difficulty,
    feesPerBlock: s.network.feesPerBlock,
    ethUsdPrice: s.ethUsdPrice,
  };
  const expected = expectedGrossWei(workGhs, figures, btcDecimals, s.priceDecimals);
  await context.db.insert(settlement).values({
    id: event.id,
    twinId: tokenId,
    index,
    holder: lower(holder),
    periodStart: s.periodStart,
    periodEnd: s.periodEnd,
    energyWh: s.energyWh,
    late: s.late,
    gross: s.gross,
    serviceFee: s.serviceFee,
    electricity: s.electricity,
    net: s.net,
    shortfall: s.shortfall,
    serviceFeeCap: s.serviceFeeCap,
    electricityCap: s.electricityCap,
    ethUsdPrice: s.ethUsdPrice,
    priceDecimals: s.priceDecimals,
    btcUsd: s.network.btcUsd,
    btcUsdDecimals: btcDecimals,
    difficulty: s.network.difficulty,
    feesPerBlock: s.network.feesPerBlock,
    networkOldestAt: s.network.oldestAt,
    workThs: workGhs / 1_000n,
    expectedGrossWei: expected,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: lower(event.transaction.hash),
  });

  // The 30 days up to this period's end, which is the twin's latest: settlements whose period ends
  // in them, this one included.
  const recent = await context.db.sql
    .select({ gross: settlement.gross, net: settlement.net, expected: settlement.expectedGrossWei, late: settlement.late })
    .from(settlement)
    .where(and(eq(settlement.twinId, tokenId), gt(settlement.periodEnd, s.periodEnd - WINDOW)));
  let gross30d = 0n;
  let net30d = 0n;
  let expected30d: bigint | null = null;
  let grossWithExpected = 0n;
  let lateCount30d = 0;
  for (const entry of recent) {
    gross30d += entry.gross;
    net30d += entry.net;
    if (entry.late) lateCount30d += 1;
    if (entry.expected !== null) {
      expected30d = (expected30d ?? 0n) + entry.expected;
      grossWithExpected += entry.gross;
    }
  }
  await context.db.update(twin, { id: tokenId }).set({
    settledCount: Number(index) + 1,
    settledThrough: s.periodEnd,
    lateAt: s.periodEnd + BigInt(row.settlementPeriod) + BigInt(row.gracePeriod),
    grossTotal: row.grossTotal + s.gross,
    netTotal: row.netTotal + s.net,
    gross30d,
    net30d,
    expected30d,
    lateCount30d,
    // Against the settlements that have an expected gross only, so that one without cannot pass
    // for an underpayment.
    paidRatioBps30d: expected30d !== null && expected30d > 0n ? (grossWithExpected * BPS) / expected30d : null,
    workSettledGhs: row.workMeteredGhs,
  });
  await refreshTwin(context, tokenId, event.block);

  // A split twin's net went to its shares token, which credits its holders pro rata (`Accrued`,
  // indexed with the token): nobody may claim it from TwinEarnings as holder of record.
  const token = await context.db.find(shareToken, { id: lower(holder) });
  if (token !== null) {
    if (token.twinId !== tokenId) throw new Error(`twin ${tokenId} settled to the shares of twin ${token.twinId}`);
    return;
  }
  await context.db
    .insert(account)
    .values({ id: lower(holder), earned: s.net, claimable: s.net })
    .onConflictDoUpdate((current) => ({ earned: current.earned + s.net, claimable: current.claimable + s.net }));
});

ponder.on("TwinEarnings:Claimed", async ({ event, context }) => {
  await keepLog(context, event);
  const { account: who, amount } = event.args;
  const id = lower(who);
  // `claim` pays out all that settlements of whole twins credited the account, and what the shares
  // tokens it named gave up (their `Taken`, earlier in the same transaction).
  const current = await context.db.find(account, { id });
  const whole = current?.claimable ?? 0n;
  const shares = current?.sharesTakenPending ?? 0n;
  if (whole + shares !== amount) {
    throw new Error(`${id} claimed ${amount}, but was credited ${whole} unclaimed and its shares gave up ${shares}`);
  }
  await context.db
    .insert(account)
    .values({ id })
    .onConflictDoUpdate((row) => ({ claimed: row.claimed + whole, claimable: 0n, sharesTakenPending: 0n }));
});
