// TwinMarket: listings (and every way one dies), offers, sales, lots of a split twin's shares and
// their fills, and the fee in force.
import { type Context, ponder } from "ponder:registry";
import { account, listing, lot, marketConfig, offer, sale, shareTrade, twin } from "ponder:schema";
import {
  forgetLot,
  getTwin,
  keepLog,
  killSellerListings,
  killSellerLots,
  listingFields,
  lower,
  recordTwinEvent,
  refreshTwin,
  removeTwinListing,
} from "./lib";

ponder.on("TwinMarket:Listed", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, seller, price, expiresAt, maxFeeBps } = event.args;
  await getTwin(context, tokenId);
  // `list` overwrites whatever the market stored for the twin, live or dead.
  await removeTwinListing(context, tokenId, "Replaced", event.block);
  // `list` checked that the seller owns the twin and that it is not retired, and tied the listing
  // to the custody and listing nonce of this moment: it is live until one of them changes.
  const created = await context.db.insert(listing).values({
    id: event.id,
    twinId: tokenId,
    seller: lower(seller),
    price,
    expiresAt,
    maxFeeBps,
    state: "Live",
    listedAtBlock: event.block.number,
    listedAt: event.block.timestamp,
    txHash: lower(event.transaction.hash),
    endedAtBlock: null,
  });
  await context.db.update(twin, { id: tokenId }).set({ listingId: created.id, ...listingFields(created) });
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "Listed", { from: seller, amount: price, expiresAt });
});

ponder.on("TwinMarket:ListingCancelled", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, by } = event.args;
  await removeTwinListing(context, tokenId, "Cancelled", event.block);
  await recordTwinEvent(context, event, tokenId, "ListingCancelled", { from: by });
});

ponder.on("TwinMarket:AllListingsCancelled", async ({ event, context }) => {
  await keepLog(context, event);
  const { seller, listingNonce } = event.args;
  await context.db
    .insert(account)
    .values({ id: lower(seller), listingNonce })
    .onConflictDoUpdate({ listingNonce });
  // The same counter ends the seller's lots.
  await killSellerListings(context, seller, "SellerCancelledAll", event.block);
  await killSellerLots(context, seller, event.block);
});

ponder.on("TwinMarket:Sold", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, seller, buyer, price, royaltyReceiver, royalty, fee, kind } = event.args;
  await getTwin(context, tokenId);
  // Both `buy` and `acceptOffer` delete the twin's listing; the Transfer that follows moves it.
  await removeTwinListing(context, tokenId, "Sold", event.block);
  const saleKind = kind === 0 ? "Listing" : kind === 1 ? "Offer" : undefined;
  if (saleKind === undefined) throw new Error(`unknown TwinMarket.SaleKind ${kind}`);
  await context.db.insert(sale).values({
    id: event.id,
    twinId: tokenId,
    seller: lower(seller),
    buyer: lower(buyer),
    price,
    royaltyReceiver: lower(royaltyReceiver),
    royalty,
    fee,
    kind: saleKind,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: lower(event.transaction.hash),
  });
  await context.db
    .update(twin, { id: tokenId })
    .set({ lastSalePrice: price, lastSaleAt: event.block.timestamp, lastSaleId: event.id });
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "Sold", { from: seller, to: buyer, amount: price, detail: saleKind });
});

// ---------------------------------------------------------------------------------------- lots

ponder.on("TwinMarket:LotListed", async ({ event, context }) => {
  await keepLog(context, event);
  const { lotId, tokenId, seller, amount, pricePerShare, expiresAt, maxFeeBps } = event.args;
  const row = await getTwin(context, tokenId);
  // `listLot` checked that the vault holds the twin and that it is not retired, and tied the lot to
  // this split and the seller's listing nonce: it is live until one of them changes.
  if (!row.split) throw new Error(`lot ${lotId} of twin ${tokenId}, which is not split`);
  await context.db.insert(lot).values({
    id: lotId,
    twinId: tokenId,
    seller: lower(seller),
    amount,
    remaining: amount,
    pricePerShare,
    expiresAt,
    maxFeeBps,
    state: "Live",
    listedAtBlock: event.block.number,
    listedAt: event.block.timestamp,
    txHash: lower(event.transaction.hash),
    endedAtBlock: null,
  });
  await context.db.update(twin, { id: tokenId }).set({ lotIds: [...row.lotIds, lotId.toString()] });
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "LotListed", { from: seller, amount, expiresAt, detail: lotId.toString() });
});

ponder.on("TwinMarket:LotFilled", async ({ event, context }) => {
  await keepLog(context, event);
  const { lotId, tokenId, buyer, seller, amount, price, royaltyReceiver, royalty, fee, remaining } = event.args;
  const stored = await context.db.find(lot, { id: lotId });
  // `buyLot` fills only a live lot.
  if (stored === null || stored.state !== "Live") throw new Error(`lot ${lotId} was filled but is ${stored?.state ?? "missing"}`);
  await context.db
    .update(lot, { id: lotId })
    .set(remaining === 0n ? { remaining, state: "SoldOut", endedAtBlock: event.block.number } : { remaining });
  if (remaining === 0n) await forgetLot(context, tokenId, lotId);
  const pricePerShare = (price * 10n ** 18n) / amount;
  await context.db.insert(shareTrade).values({
    id: event.id,
    lotId,
    twinId: tokenId,
    seller: lower(seller),
    buyer: lower(buyer),
    amount,
    price,
    pricePerShare,
    royaltyReceiver: lower(royaltyReceiver),
    royalty,
    fee,
    remaining,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: lower(event.transaction.hash),
  });
  await context.db.update(twin, { id: tokenId }).set({ lastFillPerShare: pricePerShare, lastFillAt: event.block.timestamp });
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "LotFilled", { from: seller, to: buyer, amount: price, detail: lotId.toString() });
});

ponder.on("TwinMarket:LotCancelled", async ({ event, context }) => {
  await keepLog(context, event);
  const { lotId, tokenId, by } = event.args;
  // The seller withdrew it, or anyone removed it once dead: the market no longer stores it.
  await context.db.update(lot, { id: lotId }).set({ state: "Cancelled", endedAtBlock: event.block.number });
  await forgetLot(context, tokenId, lotId);
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "LotCancelled", { from: by, detail: lotId.toString() });
});

// -------------------------------------------------------------------------------------- offers

const offerId = (tokenId: bigint, bidder: string) => `${tokenId}-${lower(bidder)}`;

ponder.on("TwinMarket:OfferMade", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, bidder, amount, expiresAt } = event.args;
  await getTwin(context, tokenId);
  const fields = {
    amount,
    expiresAt,
    status: "Open" as const,
    madeAtBlock: event.block.number,
    madeAt: event.block.timestamp,
    updatedAtBlock: event.block.number,
    updatedAt: event.block.timestamp,
  };
  // A bidder may offer again after cancelling or being accepted: the row starts afresh.
  await context.db
    .insert(offer)
    .values({ id: offerId(tokenId, bidder), twinId: tokenId, bidder: lower(bidder), ...fields })
    .onConflictDoUpdate(fields);
  await recordTwinEvent(context, event, tokenId, "OfferMade", { from: bidder, amount, expiresAt });
});

ponder.on("TwinMarket:OfferRaised", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, bidder, amount, expiresAt } = event.args;
  await updateOffer(context, tokenId, bidder, event, { amount, expiresAt });
  await recordTwinEvent(context, event, tokenId, "OfferRaised", { from: bidder, amount, expiresAt });
});

ponder.on("TwinMarket:OfferCancelled", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, bidder, amount } = event.args;
  await updateOffer(context, tokenId, bidder, event, { status: "Cancelled" });
  await recordTwinEvent(context, event, tokenId, "OfferCancelled", { from: bidder, amount });
});

ponder.on("TwinMarket:OfferAccepted", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, bidder, seller, amount } = event.args;
  await updateOffer(context, tokenId, bidder, event, { status: "Accepted" });
  await recordTwinEvent(context, event, tokenId, "OfferAccepted", { from: bidder, to: seller, amount });
});

async function updateOffer(
  context: Context,
  tokenId: bigint,
  bidder: string,
  event: { block: { number: bigint; timestamp: bigint } },
  fields: Partial<{ amount: bigint; expiresAt: bigint; status: "Cancelled" | "Accepted" }>,
) {
  const id = offerId(tokenId, bidder);
  const current = await context.db.find(offer, { id });
  // The market emits these only for an offer it holds, which an OfferMade opened.
  if (current === null || current.status !== "Open") throw new Error(`offer ${id} is not open`);
  await context.db
    .update(offer, { id })
    .set({ ...fields, updatedAtBlock: event.block.number, updatedAt: event.block.timestamp });
}

ponder.on("TwinMarket:FeeChanged", async ({ event, context }) => {
  const { newFeeBps } = event.args;
  const id = lower(event.log.address);
  // The constructor announces the treasury first, so the row exists.
  const current = await context.db.find(marketConfig, { id });
  if (current === null) throw new Error("FeeChanged before the market's first TreasuryChanged");
  await context.db.update(marketConfig, { id }).set({ feeBps: newFeeBps, feeChangedAt: event.block.timestamp });
});

ponder.on("TwinMarket:TreasuryChanged", async ({ event, context }) => {
  const { newTreasury } = event.args;
  await context.db
    .insert(marketConfig)
    .values({ id: lower(event.log.address), feeBps: 0, treasury: lower(newTreasury), feeChangedAt: event.block.timestamp })
    .onConflictDoUpdate({ treasury: lower(newTreasury) });
});
