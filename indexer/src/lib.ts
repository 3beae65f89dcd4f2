// What several contracts' handlers share: how a twin's listing and lots die, the gallery's sort
// keys, spans and name folding, the provenance row every twin event leaves, and a twin's yield.
import { and, eq, inArray } from "ponder";
import type { Context, Event } from "ponder:registry";
import { gallerySpan, historyLog, listing, lot, twin, twinEvent } from "ponder:schema";

export type Hex = `0x${string}`;

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as const;

/** The block an event is in: what a change is dated by. */
export type At = { number: bigint; timestamp: bigint };

/** Addresses and hashes are stored lowercase; ids built from them must be too. */
export const lower = (value: string) => value.toLowerCase() as Hex;

const SHIFT = 1n << 64n;
const ID_SPACE = SHIFT - 1n;

function checkId(id: bigint) {
  // The registry counts ids from 1; a sort key packs the id into its low 64 bits.
  if (id < 1n || id > ID_SPACE) throw new Error(`twin id ${id} is outside the sort keys' 64 bits`);
}

/** Descending sorts: the value, then the newest twin first. */
export function descendingKey(value: bigint, id: bigint): bigint {
  checkId(id);
  return value * SHIFT + id;
}

/** Ascending sorts: the value, then the newest twin first. */
export function ascendingKey(value: bigint, id: bigint): bigint {
  checkId(id);
  return value * SHIFT + (ID_SPACE - id);
}

/** A positive double's bits order as the double does, so the gallery's f64 order is kept exactly. */
export function doubleBits(value: number): bigint {
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`no sort key for ${value}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0);
}

/** J/TH as the app computes it: `f64::from(power) * 1000.0 / hashrate as f64`. */
export function efficiency(powerWatts: number, hashrateGhs: bigint): number {
  return (powerWatts * 1000) / Number(hashrateGhs);
}

/** Lowercase character by character, as the gallery's `fold_case` (`char::to_lowercase`) does:
 * no context-dependent forms such as a final sigma. */
export function fold(text: string): string {
  return Array.from(text, (char) => char.toLowerCase()).join("");
}

export const STATUSES = ["Active", "Offline", "Decommissioned"] as const;
export const MAINTENANCE_KINDS = [
  "Inspection",
  "Repair",
  "PartReplacement",
  "FirmwareUpdate",
  "Relocation",
  "Other",
] as const;

export function statusName(value: number) {
  const name = STATUSES[value];
  if (name === undefined) throw new Error(`unknown TwinRegistry.Status ${value}`);
  return name;
}

export function maintenanceKindName(value: number) {
  const name = MAINTENANCE_KINDS[value];
  if (name === undefined) throw new Error(`unknown TwinRegistry.MaintenanceKind ${value}`);
  return name;
}

export async function getTwin(context: Context, id: bigint) {
  const row = await context.db.find(twin, { id });
  // Every event names a twin the registry minted; one the indexer never saw means lost events.
  if (row === null) throw new Error(`twin ${id} has an event but no TwinMinted was indexed`);
  return row;
}

type TwinEventKind = (typeof twinEvent.$inferInsert)["kind"];

/** The provenance row of a twin's event. */
export async function recordTwinEvent(
  context: Context,
  event: Event,
  twinId: bigint,
  kind: TwinEventKind,
  fields: {
    from?: string | null;
    to?: string | null;
    amount?: bigint | null;
    expiresAt?: bigint | null;
    detail?: string | null;
    merged?: boolean;
  } = {},
) {
  // Every event a twin has is a log event; the union type also admits setup events.
  const located = event as Event & {
    block: { number: bigint; timestamp: bigint };
    log: { logIndex: number };
    transaction: { hash: Hex };
  };
  await context.db.insert(twinEvent).values({
    id: event.id,
    twinId,
    kind,
    from: fields.from ? lower(fields.from) : null,
    to: fields.to ? lower(fields.to) : null,
    amount: fields.amount ?? null,
    expiresAt: fields.expiresAt ?? null,
    detail: fields.detail ?? null,
    merged: fields.merged ?? false,
    blockNumber: located.block.number,
    logIndex: located.log.logIndex,
    timestamp: located.block.timestamp,
    txHash: lower(located.transaction.hash),
  });
}

/**
 * Keeps a log the app's store reads, as the node gave it: `GET /history` serves these in place of
 * `eth_getLogs`, so a first visit reads a year of history in a few requests and the app decodes it
 * with the code it decodes the chain's logs with.
 */
export async function keepLog(context: Context, event: Event) {
  const located = event as Event & {
    block: { number: bigint; hash: Hex; timestamp: bigint };
    // Ponder keeps four topic slots; a log's unused ones come back as null.
    log: { address: Hex; data: Hex; logIndex: number; topics: (Hex | null)[] };
    transaction: { hash: Hex; transactionIndex: number };
  };
  await context.db.insert(historyLog).values({
    id: event.id,
    blockNumber: located.block.number,
    blockHash: lower(located.block.hash),
    blockTime: located.block.timestamp,
    logIndex: located.log.logIndex,
    transactionHash: lower(located.transaction.hash),
    transactionIndex: located.transaction.transactionIndex,
    address: lower(located.log.address),
    topics: located.log.topics.filter((topic) => topic !== null).map(lower),
    data: located.log.data,
  });
}

// ------------------------------------------------------------------------------------ listings

type ListingState = (typeof listing.$inferSelect)["state"];
export type DeathReason = "Retired" | "ChangedHands" | "ApprovalWithdrawn" | "SellerCancelledAll";

/** States of a listing the market still stores, in the order `buy` and the app's `Book` report
 * them: a dead listing shows the highest-ranked reason that applies. */
const STORED_RANK: Partial<Record<ListingState, number>> = {
  Live: 0,
  SellerCancelledAll: 1,
  ApprovalWithdrawn: 2,
  ChangedHands: 3,
  Retired: 4,
};
export const STORED_STATES = Object.keys(STORED_RANK) as ListingState[];

/** The twin's listing fields for `live`, its stored listing if that is live, or for none. */
export function listingFields(live: typeof listing.$inferSelect | null) {
  if (live === null || live.state !== "Live") {
    return { listingLive: false, listingPrice: null, listingExpiresAt: null, listingSeller: null };
  }
  return { listingLive: true, listingPrice: live.price, listingExpiresAt: live.expiresAt, listingSeller: live.seller };
}

/** Marks a stored listing dead for `reason`, unless it already shows a reason ranked higher. */
export async function killListing(context: Context, listingId: string, reason: DeathReason, at: At) {
  const stored = await context.db.find(listing, { id: listingId });
  if (stored === null) throw new Error(`listing ${listingId} is referenced but missing`);
  const rank = STORED_RANK[stored.state];
  if (rank === undefined || rank >= STORED_RANK[reason]!) return;
  const wasLive = stored.state === "Live";
  await context.db.update(listing, { id: listingId }).set({ state: reason, endedAtBlock: at.number });
  if (wasLive) {
    await context.db.update(twin, { id: stored.twinId }).set(listingFields(null));
    await refreshTwin(context, stored.twinId, at);
  }
}

/** The stored listing of a twin, if any, dies for `reason`. */
export async function killTwinListing(context: Context, twinId: bigint, reason: DeathReason, at: At) {
  const row = await getTwin(context, twinId);
  if (row.listingId !== null) await killListing(context, row.listingId, reason, at);
}

/** Every listing `seller` made that the market still stores dies for `reason`: what a change of the
 * seller's own counters (revoking an approval for all, cancelling all) does. */
export async function killSellerListings(context: Context, seller: Hex, reason: DeathReason, at: At) {
  const stored = await context.db.sql
    .select({ id: listing.id })
    .from(listing)
    .where(and(eq(listing.seller, lower(seller)), inArray(listing.state, STORED_STATES)));
  for (const { id } of stored) await killListing(context, id, reason, at);
}

/** The market no longer stores the twin's listing (cancelled, sold or overwritten). */
export async function removeTwinListing(
  context: Context,
  twinId: bigint,
  state: "Cancelled" | "Sold" | "Replaced",
  at: At,
) {
  const row = await getTwin(context, twinId);
  if (row.listingId === null) return;
  await context.db.update(listing, { id: row.listingId }).set({ state, endedAtBlock: at.number });
  await context.db.update(twin, { id: twinId }).set({ listingId: null, ...listingFields(null) });
  await refreshTwin(context, twinId, at);
}

// ---------------------------------------------------------------------------------------- lots

type LotState = (typeof lot.$inferSelect)["state"];
export type LotDeathReason = "SellerCancelledAll" | "Retired" | "Joined";

/** States of a lot the market still stores, ranked as the app's `Book` reports a dead one: a join
 * ends a lot for good, then a decommissioned rig, then the seller's cancel-all. */
const LOT_RANK: Partial<Record<LotState, number>> = { Live: 0, SellerCancelledAll: 1, Retired: 2, Joined: 3 };

/** Marks a stored lot dead for `reason`, unless it already shows a reason ranked higher; a lot of a
 * joined twin leaves the twin's list of stored lots, as it leaves the app's book. Returns whether
 * the twin's figures may have changed (refresh it then). */
export async function killLot(context: Context, lotId: bigint, reason: LotDeathReason, at: At) {
  const stored = await context.db.find(lot, { id: lotId });
  if (stored === null) throw new Error(`lot ${lotId} is referenced but missing`);
  const rank = LOT_RANK[stored.state];
  if (rank === undefined || rank >= LOT_RANK[reason]!) return false;
  // Read before the update: the store hands out its cached row, which the update changes in place.
  const wasLive = stored.state === "Live";
  await context.db.update(lot, { id: lotId }).set({ state: reason, endedAtBlock: at.number });
  if (reason === "Joined") await forgetLot(context, stored.twinId, lotId);
  return wasLive || reason === "Joined";
}

/** The twin's stored lots die for `reason` (a decommissioning, a join); the caller refreshes the
 * twin. */
export async function killTwinLots(context: Context, twinId: bigint, reason: LotDeathReason, at: At) {
  const row = await getTwin(context, twinId);
  for (const id of row.lotIds) await killLot(context, BigInt(id), reason, at);
}

/** Every live lot `seller` made dies: they cancelled all their listings and lots. */
export async function killSellerLots(context: Context, seller: Hex, at: At) {
  const live = await context.db.sql
    .select({ id: lot.id, twinId: lot.twinId })
    .from(lot)
    .where(and(eq(lot.seller, lower(seller)), eq(lot.state, "Live")));
  const twins = new Set<bigint>();
  for (const { id, twinId } of live) {
    if (await killLot(context, id, "SellerCancelledAll", at)) twins.add(twinId);
  }
  for (const twinId of twins) await refreshTwin(context, twinId, at);
}

/** The lot leaves the twin's list of stored lots (sold out, cancelled, or its twin joined). */
export async function forgetLot(context: Context, twinId: bigint, lotId: bigint) {
  const row = await getTwin(context, twinId);
  const key = lotId.toString();
  if (row.lotIds.includes(key)) {
    await context.db.update(twin, { id: twinId }).set({ lotIds: row.lotIds.filter((id) => id !== key) });
  }
}

const UNITS_PER_SHARE = 10n ** 18n;
const BPS_ALL = 10_000n;

/** A lot's figures that the gallery needs. */
type LotFigures = { remaining: bigint; pricePerShare: bigint; expiresAt: bigint };

/** What a split twin's live lots add up to, as `EntryFraction::new` works it out: the share of the
 * supply they offer in basis points (the offer capped at the supply, rounded down), and the
 * cheapest price per share. */
export function fractionFigures(supply: bigint, lots: LotFigures[]) {
  let offered = 0n;
  let cheapest: bigint | null = null;
  for (const entry of lots) {
    offered += entry.remaining;
    if (cheapest === null || entry.pricePerShare < cheapest) cheapest = entry.pricePerShare;
  }
  if (offered > supply) offered = supply;
  const forSaleBps = supply === 0n ? 0 : Number((offered * BPS_ALL) / supply);
  return { forSaleBps, cheapestPerShare: cheapest };
}

/** The whole twin at `perShare` a share: × supply / 10^18, rounded down
 * (`GalleryEntry::asking_price`, `Catalog::yield_price`). */
export const wholeAt = (perShare: bigint, supply: bigint) => (perShare * supply) / UNITS_PER_SHARE;

/** The twin's lots that are live as the market's record holds them, expiry aside. */
async function liveLots(context: Context, row: typeof twin.$inferSelect): Promise<LotFigures[]> {
  const lots: LotFigures[] = [];
  for (const id of row.lotIds) {
    const stored = await context.db.find(lot, { id: BigInt(id) });
    if (stored === null) throw new Error(`twin ${row.id} lists lot ${id}, which is missing`);
    if (stored.state === "Live") lots.push(stored);
  }
  return lots;
}

// ------------------------------------------------------------------------------ gallery spans

/** After every uint64 time: the end of a twin's last span. */
export const END_OF_TIME = 1n << 64n;

type TwinRow = typeof twin.$inferSelect;
type SpanRow = typeof gallerySpan.$inferInsert;

/**
 * The twin's gallery spans from `now` on (the block's time that changed it): its live listing and
 * live lots, each until its expiry, cut into spans at every expiry after `now`. Spans before `now`
 * would answer only a now that no query at or after the indexed block can ask, so the first span
 * starts at 0. A listing or lot live in span [from, until) is one whose expiry is at least `until`.
 */
export function gallerySpans(row: TwinRow, lots: LotFigures[], now: bigint): SpanRow[] {
  const cuts = new Set<bigint>();
  if (row.listingLive && row.listingExpiresAt !== null && row.listingExpiresAt > now) cuts.add(row.listingExpiresAt);
  if (row.split) for (const entry of lots) if (entry.expiresAt > now) cuts.add(entry.expiresAt);
  const ends = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  ends.push(END_OF_TIME);
  let from = 0n;
  return ends.map((until, index) => {
    const listingPrice =
      row.listingLive && row.listingExpiresAt !== null && row.listingExpiresAt >= until ? row.listingPrice : null;
    let fraction: { forSaleBps: number | null; cheapestPerShare: bigint | null } = { forSaleBps: null, cheapestPerShare: null };
    let lotPrice: bigint | null = null;
    if (row.split && row.shareSupply !== null) {
      fraction = fractionFigures(row.shareSupply, lots.filter((entry) => entry.expiresAt >= until));
      if (fraction.cheapestPerShare !== null) lotPrice = wholeAt(fraction.cheapestPerShare, row.shareSupply);
    }
    const askingPrice = listingPrice ?? lotPrice;
    const span: SpanRow = {
      id: `${row.id}-${index}`,
      twinId: row.id,
      validFrom: from,
      validUntil: until,
      forSale: askingPrice !== null,
      askingPrice,
      listingPrice,
      split: row.split,
      shareSupply: row.shareSupply,
      forSaleBps: fraction.forSaleBps,
      cheapestPerShare: fraction.cheapestPerShare,
      sortPriceAsc: askingPrice === null ? null : ascendingKey(askingPrice, row.id),
      sortPriceDesc: askingPrice === null ? null : descendingKey(askingPrice, row.id),
      search: row.search,
      manufacturerKey: row.manufacturerKey,
      modelKey: row.modelKey,
      status: row.status,
      efficiencyJth: row.efficiencyJth,
      lateAt: row.lateAt,
      lateCount30d: row.lateCount30d,
      paidRatioBps30d: row.paidRatioBps30d,
      yieldBps: row.yieldBps,
      sortHashrate: row.sortHashrate,
      sortEfficiency: row.sortEfficiency,
      sortDonated: row.sortDonated,
      sortYield: row.sortYield,
    };
    from = until;
    return span;
  });
}

/**
 * Works out again what a twin's other fields derive from: its fraction figures (expiry aside), its
 * yield, and its gallery spans from `at` on. Every handler that changes a field the gallery shows,
 * filters or sorts on, or the twin's listing or lots, ends with it.
 */
export async function refreshTwin(context: Context, twinId: bigint, at: At) {
  const row = await getTwin(context, twinId);
  // Read before the update below changes the cached row in place.
  const spansBefore = row.spanCount;
  const lots = await liveLots(context, row);
  const fraction =
    row.split && row.shareSupply !== null
      ? fractionFigures(row.shareSupply, lots)
      : { forSaleBps: null, cheapestPerShare: null };
  const updated = { ...row, ...fraction };
  const next = { ...updated, ...yieldFields(updated) };
  const spans = gallerySpans(next, lots, at.timestamp);
  await context.db.update(twin, { id: twinId }).set({
    forSaleBps: next.forSaleBps,
    cheapestPerShare: next.cheapestPerShare,
    yieldBps: next.yieldBps,
    sortYield: next.sortYield,
    spanCount: spans.length,
  });
  for (const span of spans) {
    await context.db.insert(gallerySpan).values(span).onConflictDoUpdate(span);
  }
  for (let index = spans.length; index < spansBefore; index++) {
    await context.db.delete(gallerySpan, { id: `${twinId}-${index}` });
  }
}

// --------------------------------------------------------------------------------------- yield

const DAYS_A_YEAR = 365n;
const WINDOW_DAYS = 30n;
const BPS = 10_000n;

/**
 * The price a twin's yield is taken on, as the app's `Catalog::yield_price` takes it. A whole
 * twin's is its live listing's (expiry aside, as `listingPrice`) or else its last sale's. A split
 * twin's is its cheapest live lot's price per share (expiry aside), else its last fill's, times the
 * supply / 10^18, rounded down; without either it has none, whatever it sold for whole.
 */
export function yieldPrice(row: {
  listingLive: boolean;
  listingPrice: bigint | null;
  lastSalePrice: bigint | null;
  split: boolean;
  shareSupply: bigint | null;
  cheapestPerShare: bigint | null;
  lastFillPerShare: bigint | null;
}): bigint | null {
  if (row.split && row.shareSupply !== null) {
    const perShare = row.cheapestPerShare ?? row.lastFillPerShare;
    return perShare === null ? null : wholeAt(perShare, row.shareSupply);
  }
  return row.listingLive && row.listingPrice !== null ? row.listingPrice : row.lastSalePrice;
}

/**
 * A twin's yield: its net over the last 30 days of settlements, annualised (× 365 / 30), in basis
 * points of its price (`yieldPrice`); null without a price or before its first settlement (nothing
 * measured is not 0%). With its sort key: (yield + 1) × 2^64 + id, or just the id without a yield,
 * so that a descending sort puts the twins without one last, newest first.
 */
export function yieldFields(row: Parameters<typeof yieldPrice>[0] & { id: bigint; settledCount: number; net30d: bigint }) {
  const price = yieldPrice(row);
  if (row.settledCount === 0 || price === null || price <= 0n) {
    return { yieldBps: null, sortYield: descendingKey(0n, row.id) };
  }
  const yieldBps = (row.net30d * DAYS_A_YEAR * BPS) / (WINDOW_DAYS * price);
  return { yieldBps, sortYield: descendingKey(yieldBps + 1n, row.id) };
}
