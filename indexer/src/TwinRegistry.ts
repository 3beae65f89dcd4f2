// TwinRegistry: twins, their custody (which decides whether a listing lives), operation, telemetry
// and maintenance.
import { type Context, ponder } from "ponder:registry";
import {
  account,
  facet,
  maintenanceLog,
  operatorApproval,
  sale,
  spelling,
  telemetryHour,
  telemetryReport,
  twin,
} from "ponder:schema";
import {
  ZERO_ADDRESS,
  ascendingKey,
  descendingKey,
  doubleBits,
  efficiency,
  fold,
  getTwin,
  keepLog,
  killSellerListings,
  killTwinListing,
  killTwinLots,
  lower,
  maintenanceKindName,
  recordTwinEvent,
  refreshTwin,
  statusName,
} from "./lib";

const HOUR = 3600n;

ponder.on("TwinRegistry:TwinMinted", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, operator, reporter, royaltyBps, spec } = event.args;
  const jth = efficiency(spec.powerWatts, spec.hashrateGhs);
  await context.db.insert(twin).values({
    id: tokenId,
    manufacturer: spec.manufacturer,
    model: spec.model,
    location: spec.location,
    manufacturerKey: fold(spec.manufacturer),
    modelKey: fold(spec.model),
    // A newline cannot be part of a search word (the gallery splits on whitespace), so no word
    // matches across two fields.
    search: fold(`${spec.manufacturer}\n${spec.model}\n${spec.location}`),
    serialHash: spec.serialHash,
    hashrateGhs: spec.hashrateGhs,
    powerWatts: spec.powerWatts,
    commissionedAt: spec.commissionedAt,
    efficiencyJth: jth,
    royaltyBps: Number(royaltyBps),
    // `mint` sends the twin to its minter in the Transfer that follows this event.
    owner: lower(operator),
    operator: lower(operator),
    pendingOperator: null,
    reporter: lower(reporter),
    status: "Active",
    mintedAtBlock: event.block.number,
    mintedAt: event.block.timestamp,
    mintTx: lower(event.transaction.hash),
    lastTelemetryAt: event.block.timestamp,
    telemetryCount: 0,
    maintenanceCount: 0,
    listingId: null,
    listingLive: false,
    listingPrice: null,
    listingExpiresAt: null,
    listingSeller: null,
    lastSalePrice: null,
    lastSaleAt: null,
    lastSaleId: null,
    donatedWork: 0n,
    donatedShares: 0n,
    sortHashrate: descendingKey(spec.hashrateGhs, tokenId),
    sortEfficiency: ascendingKey(doubleBits(jth), tokenId),
    sortDonated: descendingKey(0n, tokenId),
    // `EarningTermsFixed` follows in the same transaction with the terms.
    serviceFeeBps: 0,
    tariffMicroUsdPerKwh: 0,
    settlementPeriod: 0,
    gracePeriod: 0,
    settledCount: 0,
    settledThrough: null,
    lateAt: event.block.timestamp,
    grossTotal: 0n,
    netTotal: 0n,
    gross30d: 0n,
    net30d: 0n,
    expected30d: null,
    lateCount30d: 0,
    paidRatioBps30d: null,
    yieldBps: null,
    sortYield: descendingKey(0n, tokenId),
    workMeteredGhs: 0n,
    workSettledGhs: 0n,
    transfers: 0,
    approvalsWithdrawn: 0,
    approved: null,
    split: false,
    sharesToken: null,
    shareSupply: null,
    splitAtBlock: null,
    lotIds: [],
    forSaleBps: null,
    cheapestPerShare: null,
    lastFillPerShare: null,
    lastFillAt: null,
    lastTransferEventId: null,
    joinTx: null,
    spanCount: 0,
  });
  await countFacet(context, "Manufacturer", spec.manufacturer);
  await countFacet(context, "Model", spec.model);
  await recordTwinEvent(context, event, tokenId, "Minted", { to: operator, detail: lower(reporter) });
  await refreshTwin(context, tokenId, event.block);
});

ponder.on("TwinRegistry:EarningTermsFixed", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, terms } = event.args;
  const row = await getTwin(context, tokenId);
  await context.db.update(twin, { id: tokenId }).set({
    serviceFeeBps: terms.serviceFeeBps,
    tariffMicroUsdPerKwh: terms.tariffMicroUsdPerKwh,
    settlementPeriod: terms.settlementPeriod,
    gracePeriod: terms.gracePeriod,
    // The first period starts at the mint.
    lateAt: row.mintedAt + BigInt(terms.settlementPeriod) + BigInt(terms.gracePeriod),
  });
  await refreshTwin(context, tokenId, event.block);
});

/** One more twin carries `name`; the facet shows its most common spelling, ties to the smallest. */
async function countFacet(
  context: Context,
  kind: "Manufacturer" | "Model",
  name: string,
) {
  const spelled = await context.db
    .insert(spelling)
    .values({ id: `${kind}:${name}`, count: 1 })
    .onConflictDoUpdate((row) => ({ count: row.count + 1 }));
  const key = fold(name);
  const id = `${kind}:${key}`;
  const current = await context.db.find(facet, { id });
  if (current === null) {
    await context.db.insert(facet).values({ id, kind, key, name, count: 1 });
    return;
  }
  let shown = current.name;
  if (shown !== name) {
    const shownCount = (await context.db.find(spelling, { id: `${kind}:${shown}` }))?.count;
    if (shownCount === undefined) throw new Error(`facet ${id} shows ${shown}, which has no count`);
    // Rust's `max_by_key((count, Reverse(spelling)))`: byte order of UTF-8 is code point order.
    if (spelled.count > shownCount || (spelled.count === shownCount && codePointLess(name, shown))) shown = name;
  }
  await context.db.update(facet, { id }).set({ name: shown, count: current.count + 1 });
}

function codePointLess(a: string, b: string) {
  const [x, y] = [Array.from(a), Array.from(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i]!.codePointAt(0)!, y[i]!.codePointAt(0)!];
    if (p !== q) return p < q;
  }
  return x.length < y.length;
}

ponder.on("TwinRegistry:Transfer", async ({ event, context }) => {
  await keepLog(context, event);
  const { from, to, tokenId } = event.args;
  const row = await getTwin(context, tokenId);
  const tx = lower(event.transaction.hash);
  let merged = false;
  if (lower(from) === ZERO_ADDRESS) {
    merged = row.mintTx === tx;
  } else if (row.joinTx === tx) {
    // The vault sends a joined twin to its holder: part of the join (a split's transfer into the
    // vault is marked by the `Split` that follows it).
    merged = true;
  } else if (row.lastSaleId !== null) {
    const last = await context.db.find(sale, { id: row.lastSaleId });
    merged = last !== null && last.txHash === tx && last.seller === lower(from) && last.buyer === lower(to);
  }
  // A transfer starts a new custody epoch, even back to the same owner, and clears the approval.
  await context.db.update(twin, { id: tokenId }).set({
    owner: lower(to),
    transfers: row.transfers + 1,
    approved: null,
    lastTransferEventId: event.id,
  });
  await killTwinListing(context, tokenId, "ChangedHands", event.block);
  await recordTwinEvent(context, event, tokenId, "Transfer", { from, to, merged });
});

ponder.on("TwinRegistry:Approval", async ({ event, context }) => {
  await keepLog(context, event);
  const { owner, approved, tokenId } = event.args;
  const row = await getTwin(context, tokenId);
  const next = lower(approved) === ZERO_ADDRESS ? null : lower(approved);
  // Taking a per-token approval away (revoking it or giving it to another) starts a new epoch.
  const withdrawn = row.approved !== null && row.approved !== lower(approved);
  await context.db.update(twin, { id: tokenId }).set({
    approved: next,
    approvalsWithdrawn: row.approvalsWithdrawn + (withdrawn ? 1 : 0),
  });
  if (withdrawn) await killTwinListing(context, tokenId, "ApprovalWithdrawn", event.block);
  await recordTwinEvent(context, event, tokenId, "Approval", { from: owner, to: approved });
});

ponder.on("TwinRegistry:ApprovalForAll", async ({ event, context }) => {
  await keepLog(context, event);
  const { owner, operator, approved } = event.args;
  const id = `${lower(owner)}-${lower(operator)}`;
  // Read before the upsert: the store hands out its cached row, which the upsert updates in place.
  const wasApproved = (await context.db.find(operatorApproval, { id }))?.approved === true;
  await context.db
    .insert(operatorApproval)
    .values({ id, owner: lower(owner), operator: lower(operator), approved })
    .onConflictDoUpdate({ approved });
  // Only taking back an approval that was given moves the owner's revocation counter.
  if (!approved && wasApproved) {
    await context.db
      .insert(account)
      .values({ id: lower(owner), approvalRevocations: 1 })
      .onConflictDoUpdate((row) => ({ approvalRevocations: row.approvalRevocations + 1 }));
    await killSellerListings(context, owner, "ApprovalWithdrawn", event.block);
  }
});

ponder.on("TwinRegistry:StatusChanged", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, next } = event.args;
  const status = statusName(next);
  await getTwin(context, tokenId);
  await context.db.update(twin, { id: tokenId }).set({ status });
  if (status === "Decommissioned") {
    // A decommissioned rig is no longer sold on the market, whole or in shares.
    await killTwinListing(context, tokenId, "Retired", event.block);
    await killTwinLots(context, tokenId, "Retired", event.block);
  }
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "StatusChanged", { detail: status });
});

ponder.on("TwinRegistry:OperatorProposed", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, operator, proposed } = event.args;
  await getTwin(context, tokenId);
  const pending = lower(proposed) === ZERO_ADDRESS ? null : lower(proposed);
  await context.db.update(twin, { id: tokenId }).set({ pendingOperator: pending });
  await recordTwinEvent(context, event, tokenId, "OperatorProposed", { from: operator, to: proposed });
});

ponder.on("TwinRegistry:OperatorTransferred", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, previousOperator, newOperator } = event.args;
  await getTwin(context, tokenId);
  await context.db.update(twin, { id: tokenId }).set({ operator: lower(newOperator), pendingOperator: null });
  await recordTwinEvent(context, event, tokenId, "OperatorTransferred", { from: previousOperator, to: newOperator });
});

ponder.on("TwinRegistry:ReporterChanged", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, previousReporter, newReporter } = event.args;
  await getTwin(context, tokenId);
  await context.db.update(twin, { id: tokenId }).set({ reporter: lower(newReporter) });
  await recordTwinEvent(context, event, tokenId, "ReporterChanged", { from: previousReporter, to: newReporter });
});

ponder.on("TwinRegistry:TelemetryReported", async ({ event, context }) => {
  const { tokenId, report } = event.args;
  const row = await getTwin(context, tokenId);
  await context.db.insert(telemetryReport).values({
    id: event.id,
    twinId: tokenId,
    timestamp: report.timestamp,
    hashrateGhs: report.hashrateGhs,
    powerWatts: BigInt(report.powerWatts),
    boardTempDeciC: report.boardTempDeciC,
    fanRpm: BigInt(report.fanRpm),
    uptimeSeconds: BigInt(report.uptimeSeconds),
    acceptedShares: report.acceptedShares,
    rejectedShares: report.rejectedShares,
    blockNumber: event.block.number,
    txHash: lower(event.transaction.hash),
  });
  // The registry meters each sample over the time since the one before (the mint before the
  // first), at most an hour; hash work is metered alike, for what a settled period should earn.
  const gap = report.timestamp - row.lastTelemetryAt;
  await context.db.update(twin, { id: tokenId }).set({
    lastTelemetryAt: report.timestamp,
    telemetryCount: row.telemetryCount + 1,
    workMeteredGhs: row.workMeteredGhs + report.hashrateGhs * (gap < HOUR ? gap : HOUR),
  });

  const hourStart = (report.timestamp / HOUR) * HOUR;
  const power = BigInt(report.powerWatts);
  const fan = BigInt(report.fanRpm);
  const temp = report.boardTempDeciC;
  await context.db
    .insert(telemetryHour)
    .values({
      id: `${tokenId}-${hourStart}`,
      twinId: tokenId,
      hourStart,
      count: 1,
      firstAt: report.timestamp,
      lastAt: report.timestamp,
      sumHashrateGhs: report.hashrateGhs,
      minHashrateGhs: report.hashrateGhs,
      maxHashrateGhs: report.hashrateGhs,
      avgHashrateGhs: Number(report.hashrateGhs),
      sumPowerWatts: power,
      minPowerWatts: power,
      maxPowerWatts: power,
      avgPowerWatts: Number(power),
      sumBoardTempDeciC: BigInt(temp),
      minBoardTempDeciC: temp,
      maxBoardTempDeciC: temp,
      avgBoardTempDeciC: temp,
      sumFanRpm: fan,
      minFanRpm: fan,
      maxFanRpm: fan,
      avgFanRpm: Number(fan),
      lastUptimeSeconds: BigInt(report.uptimeSeconds),
      lastAcceptedShares: report.acceptedShares,
      lastRejectedShares: report.rejectedShares,
    })
    .onConflictDoUpdate((hour) => {
      const count = hour.count + 1;
      const sumHashrateGhs = hour.sumHashrateGhs + report.hashrateGhs;
      const sumPowerWatts = hour.sumPowerWatts + power;
      const sumBoardTempDeciC = hour.sumBoardTempDeciC + BigInt(temp);
      const sumFanRpm = hour.sumFanRpm + fan;
      return {
        count,
        // The registry takes each twin's samples in strictly increasing time order.
        lastAt: report.timestamp,
        sumHashrateGhs,
        minHashrateGhs: min(hour.minHashrateGhs, report.hashrateGhs),
        maxHashrateGhs: max(hour.maxHashrateGhs, report.hashrateGhs),
        avgHashrateGhs: Number(sumHashrateGhs) / count,
        sumPowerWatts,
        minPowerWatts: min(hour.minPowerWatts, power),
        maxPowerWatts: max(hour.maxPowerWatts, power),
        avgPowerWatts: Number(sumPowerWatts) / count,
        sumBoardTempDeciC,
        minBoardTempDeciC: Math.min(hour.minBoardTempDeciC, temp),
        maxBoardTempDeciC: Math.max(hour.maxBoardTempDeciC, temp),
        avgBoardTempDeciC: Number(sumBoardTempDeciC) / count,
        sumFanRpm,
        minFanRpm: min(hour.minFanRpm, fan),
        maxFanRpm: max(hour.maxFanRpm, fan),
        avgFanRpm: Number(sumFanRpm) / count,
        lastUptimeSeconds: BigInt(report.uptimeSeconds),
        lastAcceptedShares: report.acceptedShares,
        lastRejectedShares: report.rejectedShares,
      };
    });
});

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

ponder.on("TwinRegistry:MaintenanceLogged", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, kind, note, timestamp } = event.args;
  const row = await getTwin(context, tokenId);
  const kindName = maintenanceKindName(kind);
  await context.db.insert(maintenanceLog).values({
    id: event.id,
    twinId: tokenId,
    kind: kindName,
    note,
    timestamp,
    operator: row.operator,
    blockNumber: event.block.number,
    txHash: lower(event.transaction.hash),
  });
  await context.db.update(twin, { id: tokenId }).set({ maintenanceCount: row.maintenanceCount + 1 });
  await recordTwinEvent(context, event, tokenId, "MaintenanceLogged", { from: row.operator, detail: kindName });
});
