// What the indexer keeps, table by table. Each table is also a GraphQL type: `twin` answers as
// `twin(id:)` and `twins(where:, orderBy:, orderDirection:, limit:, offset:)`. indexer/README.md
// lists the queries the app makes.
//
// Amounts, counters and times that the contracts keep as uint64 or wider are `bigint` columns
// (GraphQL strings of decimal digits); only values the contracts bound well inside 2^31 are
// `integer`.
import { index, onchainEnum, onchainTable, relations } from "ponder";

export const twinStatus = onchainEnum("twin_status", ["Active", "Offline", "Decommissioned"]);

export const maintenanceKind = onchainEnum("maintenance_kind", [
  "Inspection",
  "Repair",
  "PartReplacement",
  "FirmwareUpdate",
  "Relocation",
  "Other",
]);

/**
 * Where a listing stands, as `TwinMarket` would judge it at any time before its `expiresAt` (expiry
 * is the one rule that depends on the clock, so queries compare `expiresAt` with their own now).
 * The four dead states are kept in the order `TwinMarket.buy` and the app's `Book` check them:
 * once dead, a listing shows the first reason a buyer would be given.
 * `Cancelled`, `Sold` and `Replaced` listings are no longer stored by the market at all.
 */
export const listingState = onchainEnum("listing_state", [
  "Live",
  "Retired",
  "ChangedHands",
  "ApprovalWithdrawn",
  "SellerCancelledAll",
  "Cancelled",
  "Sold",
  "Replaced",
]);

export const offerStatus = onchainEnum("offer_status", ["Open", "Cancelled", "Accepted"]);

export const saleKind = onchainEnum("sale_kind", ["Listing", "Offer"]);

/** Every event of one twin, from either contract, that its provenance may show. */
export const twinEventKind = onchainEnum("twin_event_kind", [
  "Minted",
  "Transfer",
  "Approval",
  "StatusChanged",
  "OperatorProposed",
  "OperatorTransferred",
  "ReporterChanged",
  "MaintenanceLogged",
  "Listed",
  "ListingCancelled",
  "Sold",
  "OfferMade",
  "OfferRaised",
  "OfferCancelled",
  "OfferAccepted",
  "WorkCredited",
  "Split",
  "Joined",
  "LotListed",
  "LotFilled",
  "LotCancelled",
]);

/**
 * Where a lot of a split twin's shares stands, as `TwinMarket` would judge it at any time before its
 * `expiresAt` (compare that with now, as for a listing). The dead states are those the market still
 * stores, ranked as the app's `Book` reports them (a lot shows the highest-ranked reason that
 * applies): the twin was joined since (for good, even if it is split again), the rig was
 * decommissioned, the seller cancelled all their listings and lots. `SoldOut` and `Cancelled` lots
 * are no longer stored by the market. Whether the seller still holds and has approved the shares is
 * the share token's to say, and no part of this: the app's gallery does not judge it either.
 */
export const lotState = onchainEnum("lot_state", [
  "Live",
  "SellerCancelledAll",
  "Retired",
  "Joined",
  "SoldOut",
  "Cancelled",
]);

export const facetKind = onchainEnum("facet_kind", ["Manufacturer", "Model"]);

export const twin = onchainTable(
  "twin",
  (t) => ({
    id: t.bigint().primaryKey(),
    manufacturer: t.text().notNull(),
    model: t.text().notNull(),
    location: t.text().notNull(),
    /** Lowercase, character by character as the app's gallery folds names: filter with `_in`. */
    manufacturerKey: t.text().notNull(),
    modelKey: t.text().notNull(),
    /** Maker, model and location, lowercase, one per line: a search word matches with `_contains`. */
    search: t.text().notNull(),
    serialHash: t.hex().notNull(),
    hashrateGhs: t.bigint().notNull(),
    powerWatts: t.integer().notNull(),
    commissionedAt: t.bigint().notNull(),
    /** W × 1000 / GH/s, computed as the app computes it (f64), so bounds compare alike. */
    efficiencyJth: t.doublePrecision().notNull(),
    royaltyBps: t.integer().notNull(),

    owner: t.hex().notNull(),
    operator: t.hex().notNull(),
    pendingOperator: t.hex(),
    reporter: t.hex().notNull(),
    status: twinStatus("status").notNull(),

    mintedAtBlock: t.bigint().notNull(),
    mintedAt: t.bigint().notNull(),
    mintTx: t.hex().notNull(),
    /** As `TwinRegistry.lastTelemetryAt`: the newest report's time, the mint's before any report. */
    lastTelemetryAt: t.bigint().notNull(),
    telemetryCount: t.integer().notNull(),
    maintenanceCount: t.integer().notNull(),

    /** The listing the market stores for this twin, live or dead; null when there is none. */
    listingId: t.text(),
    /** Whether that listing is live as the market judges it, expiry aside (compare
     * `listingExpiresAt` with now): custody, the seller's counters and the status unchanged. */
    listingLive: t.boolean().notNull(),
    /** Set only while that listing is live (expiry aside). The gallery filters and sorts on
     * `gallerySpan`, which also knows expiries. */
    listingPrice: t.bigint(),
    listingExpiresAt: t.bigint(),
    listingSeller: t.hex(),

    // Fractions (TwinVault, TwinShares, the market's lots).
    /** Locked in the vault, its shares out: between a `Split` and the next `Joined`. */
    split: t.boolean().notNull(),
    /** The twin's shares token (an ERC-20, 18 decimals) once it was ever split: a twin split again
     * after a join is split into the same token. */
    sharesToken: t.hex(),
    /** Share units (10^-18 of a share) the twin is split into; null while it is not split. */
    shareSupply: t.bigint(),
    /** The block of the latest split, where the token's history of this split starts. */
    splitAtBlock: t.bigint(),
    /** The lots of its shares the market still stores (live or dead, not sold out or cancelled),
     * by id, as decimal strings: what its fraction figures are worked out from. */
    lotIds: t.text().array().notNull(),
    /** While split: the share of the supply its live lots offer, expiry aside, in basis points
     * (rounded down, at most 10,000); null while not split. `gallerySpan` has it at now. */
    forSaleBps: t.integer(),
    /** While split: the cheapest live lot's price per whole share (wei), expiry aside; null without
     * a live lot. What the yield of a split twin is taken on. */
    cheapestPerShare: t.bigint(),
    /** The last fill of a lot of its shares: what it paid per whole share (price × 10^18 / amount,
     * rounded down), and when. Kept across a join: the yield of a twin split again falls back to it. */
    lastFillPerShare: t.bigint(),
    lastFillAt: t.bigint(),

    lastSalePrice: t.bigint(),
    lastSaleAt: t.bigint(),
    /** The `sale` row of the latest sale. */
    lastSaleId: t.text(),

    donatedWork: t.bigint().notNull(),
    donatedShares: t.bigint().notNull(),

    // Sort keys: the value, then the id, in one number, so that ties fall back to newest first as
    // the gallery's do whatever the direction (GraphQL sorts by one column). Ids stay below 2^64.
    /** hashrate × 2^64 + id; sort descending. */
    sortHashrate: t.bigint().notNull(),
    /** efficiency's f64 bits × 2^64 + (2^64 − 1 − id); sort ascending. */
    sortEfficiency: t.bigint().notNull(),
    /** donated work × 2^64 + id; sort descending. */
    sortDonated: t.bigint().notNull(),
    // The price sorts depend on the time (a listing or a lot expires): they are `gallerySpan`'s.

    // Earnings (TwinEarnings). The terms are fixed at mint (`EarningTermsFixed`, right after
    // `TwinMinted`): the service fee's share of a period's gross, the electricity tariff in
    // millionths of a USD per kWh, how long a period runs and how long it may stay unsettled after.
    serviceFeeBps: t.integer().notNull(),
    tariffMicroUsdPerKwh: t.integer().notNull(),
    /** Seconds. */
    settlementPeriod: t.integer().notNull(),
    /** Seconds. */
    gracePeriod: t.integer().notNull(),
    /** How many periods were settled (`TwinEarnings.periodOf(id).settled`). */
    settledCount: t.integer().notNull(),
    /** The end of the last settled period; null before the first settlement. */
    settledThrough: t.bigint(),
    /** When the next, unsettled period is late: (settledThrough, or mintedAt before any
     * settlement) + settlementPeriod + gracePeriod, as `periodOf(id).lateAt`. Unix seconds. */
    lateAt: t.bigint().notNull(),
    /** Wei over every settlement. */
    grossTotal: t.bigint().notNull(),
    netTotal: t.bigint().notNull(),
    // Over the settlements whose period ends within the 30 days up to the latest one's end
    // (`periodEnd > latest periodEnd − 30 days`): wei, and how many of them were late.
    gross30d: t.bigint().notNull(),
    net30d: t.bigint().notNull(),
    /** Expected gross of those settlements, wei; null when none of them has one. */
    expected30d: t.bigint(),
    lateCount30d: t.integer().notNull(),
    /** Gross of the 30-day settlements that have an expected gross, × 10,000 / expected30d;
     * null without an expected gross. */
    paidRatioBps30d: t.bigint(),
    /** net30d × 365 / 30 × 10,000 / price, rounded down. The price of a whole twin is its live
     * listing's (expiry aside, as `listingPrice`), else its last sale's; of a split twin, its
     * cheapest live lot's price per share (expiry aside, `cheapestPerShare`), else its last fill's
     * (`lastFillPerShare`), × `shareSupply` / 10^18 rounded down. Null without a price. */
    yieldBps: t.bigint(),
    /** (yieldBps + 1) × 2^64 + id, or just id without a yield; sort descending: highest yield
     * first, then the twins without one, ties newest first. */
    sortYield: t.bigint().notNull(),
    /** Hash work metered from telemetry since the mint, GH·s: each report's hashrate over the time
     * since the report before it (the mint before the first), at most an hour, as the registry
     * meters energy. */
    workMeteredGhs: t.bigint().notNull(),
    /** `workMeteredGhs` at the end of the last settled period. */
    workSettledGhs: t.bigint().notNull(),

    /** How often the twin moved (mint included) and how often its per-token approval was taken
     * back: together with its owner's revocations, what `custodyOf`'s epoch counts. */
    transfers: t.integer().notNull(),
    approvalsWithdrawn: t.integer().notNull(),
    /** The per-token approval (`getApproved`); a transfer clears it without an event. */
    approved: t.hex(),
    /** The `twin_event` row of its latest transfer: a split's `Split` marks the transfer into the
     * vault before it as part of the split. */
    lastTransferEventId: t.text(),
    /** The transaction of its latest join, whose transfer out of the vault is part of the join. */
    joinTx: t.hex(),
    /** How many `gallerySpan` rows it has now. */
    spanCount: t.integer().notNull(),
  }),
  (table) => ({
    ownerIndex: index().on(table.owner),
    operatorIndex: index().on(table.operator),
    statusIndex: index().on(table.status),
    manufacturerIndex: index().on(table.manufacturerKey),
    modelIndex: index().on(table.modelKey),
    listingExpiresIndex: index().on(table.listingExpiresAt),
    splitIndex: index().on(table.split),
    sortHashrateIndex: index().on(table.sortHashrate),
    sortEfficiencyIndex: index().on(table.sortEfficiency),
    sortDonatedIndex: index().on(table.sortDonated),
    sortYieldIndex: index().on(table.sortYield),
    lateAtIndex: index().on(table.lateAt),
  }),
);

/**
 * The twin as the gallery judges it at any `now` in [`validFrom`, `validUntil`): what it asks, and
 * copies of every field the gallery filters or sorts on, so that one table answers a gallery query.
 * A listing or a lot stops being for sale when it expires, with no event: each expiry of the twin's
 * live listing and lots after the block that last touched the twin starts a span of its own, so for
 * any now at or after the indexed block's time exactly one span of each twin has
 * `validFrom <= now < validUntil`, and that span says what the app's own `GalleryEntry` says at
 * now. The first span starts at 0 and the last ends at 2^64 (after every uint64 time). Rewritten
 * whenever the twin, its listing or its lots change.
 */
export const gallerySpan = onchainTable(
  "gallery_span",
  (t) => ({
    /** `<twin id>-<n>`, n from 0 in time order. */
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    /** Unix seconds, inclusive. */
    validFrom: t.bigint().notNull(),
    /** Unix seconds, exclusive; 2^64 for the last span. */
    validUntil: t.bigint().notNull(),
    /** Has an asking price: listed whole, or split with a live lot (the gallery's "For sale"). */
    forSale: t.boolean().notNull(),
    /** What the whole twin costs at its asking price (`GalleryEntry::asking_price`): the live
     * listing's price, else for a split twin its cheapest live lot's price per share × the supply /
     * 10^18, rounded down. Null when not for sale. */
    askingPrice: t.bigint(),
    /** The live, unexpired listing's price. */
    listingPrice: t.bigint(),
    split: t.boolean().notNull(),
    shareSupply: t.bigint(),
    /** While split: the share of the supply its live, unexpired lots offer, in basis points
     * (rounded down), as `EntryFraction::for_sale_bps`. */
    forSaleBps: t.integer(),
    /** While split: the cheapest live, unexpired lot's price per whole share. */
    cheapestPerShare: t.bigint(),
    /** askingPrice × 2^64 + (2^64 − 1 − twin id); sort ascending; null when not for sale. */
    sortPriceAsc: t.bigint(),
    /** askingPrice × 2^64 + twin id; sort descending; null when not for sale. */
    sortPriceDesc: t.bigint(),
    // Copies of the twin's, as `twin` documents them.
    search: t.text().notNull(),
    manufacturerKey: t.text().notNull(),
    modelKey: t.text().notNull(),
    status: twinStatus("status").notNull(),
    efficiencyJth: t.doublePrecision().notNull(),
    lateAt: t.bigint().notNull(),
    lateCount30d: t.integer().notNull(),
    paidRatioBps30d: t.bigint(),
    yieldBps: t.bigint(),
    sortHashrate: t.bigint().notNull(),
    sortEfficiency: t.bigint().notNull(),
    sortDonated: t.bigint().notNull(),
    sortYield: t.bigint().notNull(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId),
    validIndex: index().on(table.validUntil, table.validFrom),
    sortPriceAscIndex: index().on(table.sortPriceAsc),
    sortPriceDescIndex: index().on(table.sortPriceDesc),
  }),
);

/** One `LotListed` event of the market and what became of it. */
export const lot = onchainTable(
  "lot",
  (t) => ({
    /** The market's lot id, counting from 1. */
    id: t.bigint().primaryKey(),
    twinId: t.bigint().notNull(),
    seller: t.hex().notNull(),
    /** Share units offered when it was listed. */
    amount: t.bigint().notNull(),
    /** Share units left to buy (`lotOf(id).remaining` while the market stores it). */
    remaining: t.bigint().notNull(),
    /** Wei per whole share (10^18 units); a fill of `n` units costs ceil(n × price / 10^18). */
    pricePerShare: t.bigint().notNull(),
    /** Unix seconds; it can be filled while the chain's time is before it. */
    expiresAt: t.bigint().notNull(),
    maxFeeBps: t.integer().notNull(),
    state: lotState("state").notNull(),
    listedAtBlock: t.bigint().notNull(),
    listedAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
    /** The block of the event that ended it or, for a dead lot, of its latest death reason. */
    endedAtBlock: t.bigint(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId, table.state),
    sellerStateIndex: index().on(table.seller, table.state),
    stateExpiresIndex: index().on(table.state, table.expiresAt),
  }),
);

/** One `LotFilled`: a sale of some of a lot's shares. */
export const shareTrade = onchainTable(
  "share_trade",
  (t) => ({
    id: t.text().primaryKey(),
    lotId: t.bigint().notNull(),
    twinId: t.bigint().notNull(),
    seller: t.hex().notNull(),
    buyer: t.hex().notNull(),
    /** Share units bought. */
    amount: t.bigint().notNull(),
    /** Wei paid: ceil(amount × pricePerShare / 10^18). */
    price: t.bigint().notNull(),
    /** What it paid per whole share: price × 10^18 / amount, rounded down. */
    pricePerShare: t.bigint().notNull(),
    royaltyReceiver: t.hex().notNull(),
    royalty: t.bigint().notNull(),
    fee: t.bigint().notNull(),
    /** Share units left of the lot after it. */
    remaining: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId, table.id),
    lotIndex: index().on(table.lotId),
    buyerIndex: index().on(table.buyer),
    sellerIndex: index().on(table.seller),
  }),
);

/** A twin's shares token (a clone of TwinShares the vault made at its first split). */
export const shareToken = onchainTable("share_token", (t) => ({
  /** The token's address. */
  id: t.hex().primaryKey(),
  twinId: t.bigint().notNull(),
  /** `totalSupply()`: the twin's supply while it is split, 0 after a join. */
  supply: t.bigint().notNull(),
  /** How many accounts hold some of it. */
  holders: t.integer().notNull(),
  /** `netPerShare()`: wei credited per share unit since the token was made, × 10^36. */
  netPerShare: t.bigint().notNull(),
  /** Wei credited to its holders by settlements (`Accrued`). */
  accrued: t.bigint().notNull(),
  /** Wei its holders took (`Taken`, by their claims). */
  taken: t.bigint().notNull(),
  splits: t.integer().notNull(),
  createdAtBlock: t.bigint().notNull(),
}));

/**
 * What one account holds of one twin's shares (from the token's `Transfer`s), and where its
 * earnings stand, kept as the token keeps them: what it earned and may claim is
 * `earnedOf = (unpaidScaled + balance × (token.netPerShare − paidPerShare)) / 10^36` (rounded
 * down), and everything it earned to date is `taken + earnedOf`. A past holder keeps its row, with a
 * balance of 0, for what its shares earned.
 */
export const shareHolding = onchainTable(
  "share_holding",
  (t) => ({
    /** `<twin id>-<holder>`. */
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    token: t.hex().notNull(),
    holder: t.hex().notNull(),
    /** Share units. */
    balance: t.bigint().notNull(),
    /** The accumulator at its last checkpoint (any transfer of its shares, or a claim). */
    paidPerShare: t.bigint().notNull(),
    /** Earned by its last checkpoint and not taken, × 10^36. */
    unpaidScaled: t.bigint().notNull(),
    /** Wei its claims took. */
    taken: t.bigint().notNull(),
  }),
  (table) => ({
    twinBalanceIndex: index().on(table.twinId, table.balance),
    holderIndex: index().on(table.holder),
  }),
);

/** One `Listed` event and what became of it. */
export const listing = onchainTable(
  "listing",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    seller: t.hex().notNull(),
    price: t.bigint().notNull(),
    /** Unix seconds; the listing can be bought while the chain's time is before it. */
    expiresAt: t.bigint().notNull(),
    maxFeeBps: t.integer().notNull(),
    state: listingState("state").notNull(),
    listedAtBlock: t.bigint().notNull(),
    listedAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
    /** The block of the event that ended it or, for a dead listing, of its latest death reason. */
    endedAtBlock: t.bigint(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId),
    sellerStateIndex: index().on(table.seller, table.state),
    stateExpiresIndex: index().on(table.state, table.expiresAt),
  }),
);

/** A bidder's offer on a twin: one row per (twin, bidder), its latest state. */
export const offer = onchainTable(
  "offer",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    bidder: t.hex().notNull(),
    /** Escrowed wei: the total after raises. */
    amount: t.bigint().notNull(),
    expiresAt: t.bigint().notNull(),
    status: offerStatus("status").notNull(),
    madeAtBlock: t.bigint().notNull(),
    madeAt: t.bigint().notNull(),
    updatedAtBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId, table.status),
    bidderIndex: index().on(table.bidder, table.status),
  }),
);

export const sale = onchainTable(
  "sale",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    seller: t.hex().notNull(),
    buyer: t.hex().notNull(),
    price: t.bigint().notNull(),
    royaltyReceiver: t.hex().notNull(),
    royalty: t.bigint().notNull(),
    fee: t.bigint().notNull(),
    kind: saleKind("kind").notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId),
    sellerIndex: index().on(table.seller),
    buyerIndex: index().on(table.buyer),
  }),
);

/**
 * Every registry, market and ledger event of one twin, but its telemetry (see `telemetryReport`).
 * `id` sorts in chain order. What `from`, `to`, `amount`, `expiresAt` and `detail` hold depends on
 * `kind` (indexer/README.md). `merged` marks the `Transfer` that delivers a mint or a sale, which
 * the app's provenance shows as part of that mint or sale.
 */
export const twinEvent = onchainTable(
  "twin_event",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    kind: twinEventKind("kind").notNull(),
    from: t.hex(),
    to: t.hex(),
    amount: t.bigint(),
    expiresAt: t.bigint(),
    detail: t.text(),
    merged: t.boolean().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId, table.id),
  }),
);

/** One `TelemetryReported` sample, field for field `TwinRegistry.TelemetryReport`. */
export const telemetryReport = onchainTable(
  "telemetry_report",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    /** The reporter's time of the sample, unix seconds. */
    timestamp: t.bigint().notNull(),
    hashrateGhs: t.bigint().notNull(),
    powerWatts: t.bigint().notNull(),
    /** Tenths of a degree Celsius. */
    boardTempDeciC: t.integer().notNull(),
    fanRpm: t.bigint().notNull(),
    uptimeSeconds: t.bigint().notNull(),
    acceptedShares: t.bigint().notNull(),
    rejectedShares: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    twinTimeIndex: index().on(table.twinId, table.timestamp),
  }),
);

/**
 * A twin's telemetry within one hour (by the samples' own timestamps, `hourStart` = timestamp
 * floored to 3600): what 7- and 30-day charts plot. Sums are kept so that any coarser bucket is a
 * sum of hours; the averages are their quotients.
 */
export const telemetryHour = onchainTable(
  "telemetry_hour",
  (t) => ({
    /** `<twin id>-<hourStart>`. */
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    hourStart: t.bigint().notNull(),
    count: t.integer().notNull(),
    firstAt: t.bigint().notNull(),
    lastAt: t.bigint().notNull(),
    sumHashrateGhs: t.bigint().notNull(),
    minHashrateGhs: t.bigint().notNull(),
    maxHashrateGhs: t.bigint().notNull(),
    avgHashrateGhs: t.doublePrecision().notNull(),
    sumPowerWatts: t.bigint().notNull(),
    minPowerWatts: t.bigint().notNull(),
    maxPowerWatts: t.bigint().notNull(),
    avgPowerWatts: t.doublePrecision().notNull(),
    sumBoardTempDeciC: t.bigint().notNull(),
    minBoardTempDeciC: t.integer().notNull(),
    maxBoardTempDeciC: t.integer().notNull(),
    avgBoardTempDeciC: t.doublePrecision().notNull(),
    sumFanRpm: t.bigint().notNull(),
    minFanRpm: t.bigint().notNull(),
    maxFanRpm: t.bigint().notNull(),
    avgFanRpm: t.doublePrecision().notNull(),
    /** The hour's last sample's counters: they count since the miner started, so hours subtract. */
    lastUptimeSeconds: t.bigint().notNull(),
    lastAcceptedShares: t.bigint().notNull(),
    lastRejectedShares: t.bigint().notNull(),
  }),
  (table) => ({
    twinHourIndex: index().on(table.twinId, table.hourStart),
  }),
);

export const maintenanceLog = onchainTable(
  "maintenance_log",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    kind: maintenanceKind("kind").notNull(),
    note: t.text().notNull(),
    /** The block's time, which the contract records. */
    timestamp: t.bigint().notNull(),
    /** The operator who logged it (only the operator may). */
    operator: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    twinIndex: index().on(table.twinId, table.id),
  }),
);

/** One `WorkCredited` batch of HashLedger. */
export const credit = onchainTable(
  "credit",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    contributor: t.hex().notNull(),
    jobSeed: t.hex().notNull(),
    shares: t.bigint().notNull(),
    /** Expected hashes. */
    work: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    twinTimeIndex: index().on(table.twinId, table.timestamp),
    contributorIndex: index().on(table.contributor, table.timestamp),
  }),
);

/** What one contributor donated to one twin. */
export const twinContribution = onchainTable(
  "twin_contribution",
  (t) => ({
    /** `<twin id>-<contributor>`. */
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    contributor: t.hex().notNull(),
    work: t.bigint().notNull(),
    shares: t.bigint().notNull(),
    batches: t.integer().notNull(),
    lastCreditAt: t.bigint().notNull(),
  }),
  (table) => ({
    twinWorkIndex: index().on(table.twinId, table.work),
    contributorIndex: index().on(table.contributor, table.work),
  }),
);

/** What one contributor donated over all twins (`HashLedger.workBy`). */
export const contributor = onchainTable("contributor", (t) => ({
  id: t.hex().primaryKey(),
  work: t.bigint().notNull(),
  shares: t.bigint().notNull(),
  batches: t.integer().notNull(),
  lastCreditAt: t.bigint().notNull(),
}));

/** An account's counters that decide whether its listings live, and its earnings. */
export const account = onchainTable("account", (t) => ({
  id: t.hex().primaryKey(),
  /** `TwinMarket.listingNonceOf`: moved by `cancelAllListings`. */
  listingNonce: t.bigint().notNull().default(0n),
  /** How often the account took back an approval for all its twins. */
  approvalRevocations: t.integer().notNull().default(0),
  /** Wei credited to it by settlements (their `net`), as holder of the twin when each landed. */
  earned: t.bigint().notNull().default(0n),
  /** Wei it claimed (`Claimed`, whoever it was sent to). */
  claimed: t.bigint().notNull().default(0n),
  /** earned − claimed: `TwinEarnings.claimableOf`. */
  claimable: t.bigint().notNull().default(0n),
  /** Wei its claims took from shares tokens (their `Taken`): the part of its `Claimed` amounts that
   * split twins' settlements paid, which `earned` and `claimed` leave out. */
  sharesClaimed: t.bigint().notNull().default(0n),
  /** Taken by the claim being indexed, until its `Claimed` (internal). */
  sharesTakenPending: t.bigint().notNull().default(0n),
}));

/**
 * One `Settled` event of TwinEarnings: the period, every figure of its `Settlement` (wei unless
 * named otherwise), who was credited, and what the period's measured work should have earned.
 */
export const settlement = onchainTable(
  "settlement",
  (t) => ({
    id: t.text().primaryKey(),
    twinId: t.bigint().notNull(),
    /** The twin's settlements counted from 0. */
    index: t.bigint().notNull(),
    /** The twin's holder when it landed, credited with `net`: for a split twin, its shares token,
     * which credits its holders pro rata. */
    holder: t.hex().notNull(),
    /** The period (periodStart, periodEnd], unix seconds. */
    periodStart: t.bigint().notNull(),
    periodEnd: t.bigint().notNull(),
    /** Energy the registry metered over the period. */
    energyWh: t.bigint().notNull(),
    /** Settled after the period's late time. */
    late: t.boolean().notNull(),
    gross: t.bigint().notNull(),
    serviceFee: t.bigint().notNull(),
    electricity: t.bigint().notNull(),
    net: t.bigint().notNull(),
    shortfall: t.bigint().notNull(),
    serviceFeeCap: t.bigint().notNull(),
    electricityCap: t.bigint().notNull(),
    /** ETH/USD as its feed gave it, with `priceDecimals` decimals. */
    ethUsdPrice: t.bigint().notNull(),
    priceDecimals: t.integer().notNull(),
    // The network's figures as recorded (`NetworkFigures`); 0 or less is a figure not published.
    /** BTC/USD with `btcUsdDecimals` decimals (its feed's, read once from the feed). */
    btcUsd: t.bigint().notNull(),
    btcUsdDecimals: t.integer().notNull(),
    difficulty: t.bigint().notNull(),
    /** BTC with 8 decimals (satoshis). */
    feesPerBlock: t.bigint().notNull(),
    /** When the oldest of the three was published, unix seconds. */
    networkOldestAt: t.bigint().notNull(),
    /** Hash work measured over the period, TH·s, rounded down: each of the twin's telemetry reports
     * in the period, its hashrate times the time since the report before it (the period's start for
     * the first), at most an hour, as the registry meters energy. */
    workThs: t.bigint().notNull(),
    /** What that work earns at the recorded figures, converted to wei at the recorded ETH/USD:
     * work × (3.125 BTC + feesPerBlock) / (difficulty × 2^32) × BTC/USD / ETH/USD, computed
     * exactly from the work in GH·s and rounded down. Null when a figure was not published. */
    expectedGrossWei: t.bigint(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    twinEndIndex: index().on(table.twinId, table.periodEnd),
    holderIndex: index().on(table.holder),
  }),
);

/** ERC-721 `ApprovalForAll` state of one (owner, operator) pair. */
export const operatorApproval = onchainTable("operator_approval", (t) => ({
  /** `<owner>-<operator>`. */
  id: t.text().primaryKey(),
  owner: t.hex().notNull(),
  operator: t.hex().notNull(),
  approved: t.boolean().notNull(),
}));

/**
 * The gallery's maker and model dropdowns: names that differ only in case are one entry, shown in
 * their most common spelling (ties: the smallest), with how many twins carry it.
 */
export const facet = onchainTable("facet", (t) => ({
  /** `<kind>:<key>`. */
  id: t.text().primaryKey(),
  kind: facetKind("kind").notNull(),
  key: t.text().notNull(),
  name: t.text().notNull(),
  count: t.integer().notNull(),
}));

/** How many twins carry one exact spelling of a facet's name; what `facet.name` is chosen from. */
export const spelling = onchainTable("spelling", (t) => ({
  /** `<kind>:<spelling>`. */
  id: t.text().primaryKey(),
  count: t.integer().notNull(),
}));

/** The market's fee and treasury, from its events (`TwinMarket` announces its initial ones too). */
export const marketConfig = onchainTable("market_config", (t) => ({
  id: t.hex().primaryKey(),
  feeBps: t.integer().notNull(),
  treasury: t.hex().notNull(),
  feeChangedAt: t.bigint().notNull(),
}));

/**
 * Every log of the five contracts that the app's store reads (`src/chain/collection.rs` asks the
 * chain for the same events), field for field as `eth_getLogs` returns it: `GET /history` serves
 * them so that a browser reads the collection's history without scanning the chain.
 */
export const historyLog = onchainTable(
  "history_log",
  (t) => ({
    /** Ponder's event id, which sorts in chain order. */
    id: t.text().primaryKey(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    /** The block's time: a credit is dated by it, and `eth_getLogs` does not say it. */
    blockTime: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    transactionHash: t.hex().notNull(),
    transactionIndex: t.integer().notNull(),
    address: t.hex().notNull(),
    topics: t.hex().array().notNull(),
    data: t.hex().notNull(),
  }),
  (table) => ({
    blockIndex: index().on(table.blockNumber, table.logIndex),
  }),
);

export const twinRelations = relations(twin, ({ one, many }) => ({
  listing: one(listing, { fields: [twin.listingId], references: [listing.id] }),
  listings: many(listing),
  offers: many(offer),
  sales: many(sale),
  events: many(twinEvent),
  telemetry: many(telemetryReport),
  telemetryHours: many(telemetryHour),
  maintenance: many(maintenanceLog),
  credits: many(credit),
  contributions: many(twinContribution),
  settlements: many(settlement),
  lots: many(lot),
  shareTrades: many(shareTrade),
  shareHoldings: many(shareHolding),
  gallerySpans: many(gallerySpan),
}));

export const gallerySpanRelations = relations(gallerySpan, ({ one }) => ({
  twin: one(twin, { fields: [gallerySpan.twinId], references: [twin.id] }),
}));
export const lotRelations = relations(lot, ({ one }) => ({
  twin: one(twin, { fields: [lot.twinId], references: [twin.id] }),
}));
export const shareTradeRelations = relations(shareTrade, ({ one }) => ({
  twin: one(twin, { fields: [shareTrade.twinId], references: [twin.id] }),
  lot: one(lot, { fields: [shareTrade.lotId], references: [lot.id] }),
}));
export const shareHoldingRelations = relations(shareHolding, ({ one }) => ({
  twin: one(twin, { fields: [shareHolding.twinId], references: [twin.id] }),
}));

export const listingRelations = relations(listing, ({ one }) => ({
  twin: one(twin, { fields: [listing.twinId], references: [twin.id] }),
}));
export const offerRelations = relations(offer, ({ one }) => ({
  twin: one(twin, { fields: [offer.twinId], references: [twin.id] }),
}));
export const saleRelations = relations(sale, ({ one }) => ({
  twin: one(twin, { fields: [sale.twinId], references: [twin.id] }),
}));
export const twinEventRelations = relations(twinEvent, ({ one }) => ({
  twin: one(twin, { fields: [twinEvent.twinId], references: [twin.id] }),
}));
export const telemetryReportRelations = relations(telemetryReport, ({ one }) => ({
  twin: one(twin, { fields: [telemetryReport.twinId], references: [twin.id] }),
}));
export const telemetryHourRelations = relations(telemetryHour, ({ one }) => ({
  twin: one(twin, { fields: [telemetryHour.twinId], references: [twin.id] }),
}));
export const maintenanceLogRelations = relations(maintenanceLog, ({ one }) => ({
  twin: one(twin, { fields: [maintenanceLog.twinId], references: [twin.id] }),
}));
export const creditRelations = relations(credit, ({ one }) => ({
  twin: one(twin, { fields: [credit.twinId], references: [twin.id] }),
}));
export const settlementRelations = relations(settlement, ({ one }) => ({
  twin: one(twin, { fields: [settlement.twinId], references: [twin.id] }),
}));
export const twinContributionRelations = relations(twinContribution, ({ one }) => ({
  twin: one(twin, { fields: [twinContribution.twinId], references: [twin.id] }),
}));
