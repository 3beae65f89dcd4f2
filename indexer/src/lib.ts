// What several contracts' handlers share: how a twin's listing dies, the gallery's sort keys and
// name folding, the provenance row every twin event leaves, and a twin's yield.
import { and, eq, inArray } from "ponder";
import type { Context, Event } from "ponder:registry";
import { historyLog, listing, twin, twinEvent } from "ponder:schema";

export type Hex = `0x${string}`;

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as const;

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

/** The twin's gallery fields for `live`, its stored listing if that is live, or for none. */
export function listingFields(id: bigint, live: typeof listing.$inferSelect | null) {
  if (live === null || live.state !== "Live") {
    return {
      listingLive: false,
      listingPrice: null,
      listingExpiresAt: null,
      listingSeller: null,
      sortPriceAsc: null,
      sortPriceDesc: null,
    };
  }
  return {
    listingLive: true,
    listingPrice: live.price,
    listingExpiresAt: live.expiresAt,
    listingSeller: live.seller,
    sortPriceAsc: ascendingKey(live.price, id),
    sortPriceDesc: descendingKey(live.price, id),
  };
}

/** Marks a stored listing dead for `reason`, unless it already shows a reason ranked higher. */
export async function killListing(context: Context, listingId: string, reason: DeathReason, block: bigint) {
  const stored = await context.db.find(listing, { id: listingId });
  if (stored === null) throw new Error(`listing ${listingId} is referenced but missing`);
  const rank = STORED_RANK[stored.state];
  if (rank === undefined || rank >= STORED_RANK[reason]!) return;
  const wasLive = stored.state === "Live";
  await context.db.update(listing, { id: listingId }).set({ state: reason, endedAtBlock: block });
  if (wasLive) {
    await context.db.update(twin, { id: stored.twinId }).set(listingFields(stored.twinId, null));
    await refreshYield(context, stored.twinId);
  }
}

/** The stored listing of a twin, if any, dies for `reason`. */
export async function killTwinListing(context: Context, twinId: bigint, reason: DeathReason, block: bigint) {
  const row = await getTwin(context, twinId);
  if (row.listingId !== null) await killListing(context, row.listingId, reason, block);
}

/** Every listing `seller` made that the market still stores dies for `reason`: what a change of the
 * seller's own counters (revoking an approval for all, cancelling all) does. */
export async function killSellerListings(context: Context, seller: Hex, reason: DeathReason, block: bigint) {
  const stored = await context.db.sql
    .select({ id: listing.id })
    .from(listing)
    .where(and(eq(listing.seller, lower(seller)), inArray(listing.state, STORED_STATES)));
  for (const { id } of stored) await killListing(context, id, reason, block);
}

/** The market no longer stores the twin's listing (cancelled, sold or overwritten). */
export async function removeTwinListing(
  context: Context,
  twinId: bigint,
  state: "Cancelled" | "Sold" | "Replaced",
  block: bigint,
) {
  const row = await getTwin(context, twinId);
  if (row.listingId === null) return;
  await context.db.update(listing, { id: row.listingId }).set({ state, endedAtBlock: block });
  await context.db.update(twin, { id: twinId }).set({ listingId: null, ...listingFields(twinId, null) });
  await refreshYield(context, twinId);
}

// --------------------------------------------------------------------------------------- yield

const DAYS_A_YEAR = 365n;
const WINDOW_DAYS = 30n;
const BPS = 10_000n;

/**
 * A twin's yield: its net over the last 30 days of settlements, annualised (× 365 / 30), in basis
 * points of its price, which is the live listing's (expiry aside, as `listingPrice`) or else the
 * last sale's; null without a price or before its first settlement (nothing measured is not 0%).
 * With its sort key: (yield + 1) × 2^64 + id, or just the id without a yield, so that a descending
 * sort puts the twins without one last, newest first.
 */
export function yieldFields(row: {
  id: bigint;
  settledCount: number;
  net30d: bigint;
  listingLive: boolean;
  listingPrice: bigint | null;
  lastSalePrice: bigint | null;
}) {
  const price = row.listingLive && row.listingPrice !== null ? row.listingPrice : row.lastSalePrice;
  if (row.settledCount === 0 || price === null || price <= 0n) {
    return { yieldBps: null, sortYield: descendingKey(0n, row.id) };
  }
  const yieldBps = (row.net30d * DAYS_A_YEAR * BPS) / (WINDOW_DAYS * price);
  return { yieldBps, sortYield: descendingKey(yieldBps + 1n, row.id) };
}

/** Recomputes a twin's yield after its 30-day net, its listing or its last sale changed. */
export async function refreshYield(context: Context, twinId: bigint) {
  const row = await getTwin(context, twinId);
  await context.db.update(twin, { id: twinId }).set(yieldFields(row));
}
