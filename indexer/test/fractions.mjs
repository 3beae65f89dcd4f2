// Fractions as the chain holds them and as the indexer must show them: every lot the market made,
// judged live as the app's book judges it (the market's own record: unexpired, the twin still in
// the vault under the split the lot was made in and not decommissioned, the seller's listing nonce
// unchanged), each split twin's share of its supply for sale and cheapest price per share, the
// price its yield is taken on, and every holder's shares and earnings straight from the tokens.
import { ABI, gql, indexedBlock } from './harness.mjs';

export const UNITS_PER_SHARE = 10n ** 18n;
const SCALE = 10n ** 36n;
const ZERO = '0x0000000000000000000000000000000000000000';
const lc = (value) => (value === null || value === undefined ? value : String(value).toLowerCase());
const str = (value) => (value === null || value === undefined ? null : String(value));

/** `EntryFraction::new`: the offer of `lots` in basis points of `supply` (capped at the supply,
 * rounded down) and their cheapest price per share. */
export function fractionFigures(supply, lots) {
  let offered = lots.reduce((sum, lot) => sum + lot.remaining, 0n);
  if (offered > supply) offered = supply;
  const prices = lots.map((lot) => lot.pricePerShare);
  return {
    forSaleBps: supply === 0n ? 0 : Number((offered * 10_000n) / supply),
    cheapestPerShare: prices.length === 0 ? null : prices.reduce((a, b) => (b < a ? b : a)),
  };
}

/**
 * Every lot and every twin's fraction at `block`, judged at `now`: `lots` by id (`stored`: the
 * market still holds it; `live`: live as its record holds it, expiry aside; `liveNow`: and
 * unexpired), `twins` by id with `split`, `token`, `supply`, the figures of its live lots expiry
 * aside (`aside`) and at now (`atNow`), its last fill per share, the price its yield is taken on
 * (`yieldPrice`, split twins only: `Catalog::yield_price`) and the whole twin at its cheapest lot
 * now (`lotPrice`).
 */
export async function fractionsOnChain(chain, block, now) {
  const at = (contract, fn, args = []) => chain.read(contract, fn, args, block);
  const vault = lc(chain.address.vault);
  const custody = new Map();
  const custodyOf = async (id) => {
    if (!custody.has(id)) custody.set(id, await at('registry', 'custodyOf', [id]));
    return custody.get(id);
  };
  const nonces = new Map();
  const nonceOf = async (seller) => {
    if (!nonces.has(seller)) nonces.set(seller, await at('market', 'listingNonceOf', [seller]));
    return nonces.get(seller);
  };

  const count = await at('market', 'lotCount');
  const lots = new Map();
  for (let id = 1n; id <= count; id++) {
    const stored = await at('market', 'lotOf', [id]);
    if (stored.remaining === 0n) {
      lots.set(id, { id, stored: false });
      continue;
    }
    const twinId = BigInt(stored.tokenId);
    const [holder, epoch, retired] = await custodyOf(twinId);
    const live =
      !retired &&
      lc(holder) === vault &&
      Number(epoch >> 32n) === Number(stored.splitEpoch) &&
      (await nonceOf(stored.seller)) === BigInt(stored.sellerNonce);
    const expiresAt = BigInt(stored.expiresAt);
    lots.set(id, {
      id,
      stored: true,
      twinId,
      seller: lc(stored.seller),
      remaining: stored.remaining,
      pricePerShare: stored.pricePerShare,
      expiresAt,
      maxFeeBps: Number(stored.maxFeeBps),
      live,
      liveNow: live && expiresAt > now,
    });
  }

  const fills = (await chain.logs('market', 'LotFilled')).filter((log) => log.blockNumber <= block);
  const twinCount = await at('registry', 'totalSupply');
  const twins = new Map();
  for (let id = 1n; id <= twinCount; id++) {
    const token = await at('vault', 'sharesOf', [id]);
    const split = await at('vault', 'isSplit', [id]);
    const supply = token === ZERO ? 0n : await chain.readShares(token, 'totalSupply', [], block);
    const own = [...lots.values()].filter((lot) => lot.stored && lot.twinId === id);
    const aside = split ? fractionFigures(supply, own.filter((lot) => lot.live)) : null;
    const atNow = split ? fractionFigures(supply, own.filter((lot) => lot.liveNow)) : null;
    const lastFill = fills.filter((log) => log.tokenId === id).at(-1);
    const lastFillPerShare = lastFill ? (lastFill.price * UNITS_PER_SHARE) / lastFill.amount : null;
    const perShare = aside?.cheapestPerShare ?? lastFillPerShare;
    twins.set(id, {
      split,
      token: token === ZERO ? null : lc(token),
      supply,
      aside,
      atNow,
      lastFillPerShare,
      yieldPrice: split && perShare !== null ? (perShare * supply) / UNITS_PER_SHARE : null,
      lotPrice: atNow?.cheapestPerShare != null ? (atNow.cheapestPerShare * supply) / UNITS_PER_SHARE : null,
    });
  }
  return { lots, twins, fills };
}

const FRACTION_FIELDS = `id split sharesToken shareSupply forSaleBps cheapestPerShare lastFillPerShare`;

/**
 * What the indexer says of fractions against the chain at the indexer's block: each twin's split,
 * token, supply and figures (expiry aside), every lot (stored terms, and live exactly when the
 * market's record holds it live), every fill as its `LotFilled`, every token's supply, holders and
 * accumulator, and every holder's balance, `earnedOf` and `earnedToDateOf` worked out from its row.
 * Returns the chain's view (`fractionsOnChain`) with the block and its time.
 */
export async function assertFractionsMatchChain(assert, indexerUrl, chain) {
  const block = BigInt(await indexedBlock(indexerUrl));
  const { timestamp: now } = await chain.client.getBlock({ blockNumber: block });
  const truth = await fractionsOnChain(chain, block, now);
  const data = await gql(
    indexerUrl,
    `{ twins(orderBy: "id", orderDirection: "asc", limit: 1000) { items { ${FRACTION_FIELDS} } }
       lots(orderBy: "id", orderDirection: "asc", limit: 1000) { totalCount items { id twinId seller amount remaining pricePerShare expiresAt maxFeeBps state } }
       shareTrades(orderBy: "id", orderDirection: "asc", limit: 1000) { totalCount items { lotId twinId seller buyer amount price pricePerShare royaltyReceiver royalty fee remaining blockNumber } }
       shareTokens(limit: 1000) { items { id twinId supply holders netPerShare } }
       shareHoldings(orderBy: "id", limit: 1000) { totalCount items { twinId token holder balance paidPerShare unpaidScaled taken } } }`,
  );

  for (const twin of data.twins.items) {
    const id = BigInt(twin.id);
    const chainTwin = truth.twins.get(id);
    const where = `twin ${id}`;
    assert.equal(twin.split, chainTwin.split, `${where}: split`);
    assert.equal(twin.sharesToken, chainTwin.token, `${where}: shares token`);
    assert.equal(twin.shareSupply, chainTwin.split ? String(chainTwin.supply) : null, `${where}: supply`);
    assert.equal(twin.forSaleBps, chainTwin.aside?.forSaleBps ?? null, `${where}: for sale, expiry aside`);
    assert.equal(twin.cheapestPerShare, str(chainTwin.aside?.cheapestPerShare), `${where}: cheapest lot, expiry aside`);
    assert.equal(twin.lastFillPerShare, str(chainTwin.lastFillPerShare), `${where}: last fill per share`);
  }

  assert.equal(data.lots.totalCount, truth.lots.size, 'every lot is indexed');
  for (const row of data.lots.items) {
    const lot = truth.lots.get(BigInt(row.id));
    const where = `lot ${row.id}`;
    if (!lot.stored) {
      assert.ok(['SoldOut', 'Cancelled'].includes(row.state), `${where}: no longer stored, yet ${row.state}`);
      continue;
    }
    assert.deepEqual(
      [row.twinId, row.seller, row.remaining, row.pricePerShare, row.expiresAt, row.maxFeeBps],
      [String(lot.twinId), lot.seller, String(lot.remaining), String(lot.pricePerShare), String(lot.expiresAt), lot.maxFeeBps],
      `${where}: as the market stores it`,
    );
    assert.equal(row.state === 'Live', lot.live, `${where}: live (${row.state})`);
  }

  assert.equal(data.shareTrades.totalCount, truth.fills.length, 'every fill is indexed');
  truth.fills.forEach((log, i) => {
    const row = data.shareTrades.items[i];
    assert.deepEqual(
      row,
      {
        lotId: String(log.lotId),
        twinId: String(log.tokenId),
        seller: lc(log.seller),
        buyer: lc(log.buyer),
        amount: String(log.amount),
        price: String(log.price),
        pricePerShare: String((log.price * UNITS_PER_SHARE) / log.amount),
        royaltyReceiver: lc(log.royaltyReceiver),
        royalty: String(log.royalty),
        fee: String(log.fee),
        remaining: String(log.remaining),
        blockNumber: String(log.blockNumber),
      },
      `fill ${i}`,
    );
  });

  const tokens = new Map(data.shareTokens.items.map((token) => [token.id, token]));
  const everSplit = [...truth.twins.entries()].filter(([, twin]) => twin.token !== null);
  assert.equal(tokens.size, everSplit.length, 'a token row for each twin ever split');
  for (const [id, twin] of everSplit) {
    const token = tokens.get(twin.token);
    assert.ok(token, `twin ${id}: its token ${twin.token} is indexed`);
    assert.equal(token.twinId, String(id));
    assert.equal(token.supply, String(twin.supply), `twin ${id}: token supply`);
    assert.equal(token.netPerShare, String(await chain.readShares(twin.token, 'netPerShare', [], block)), `twin ${id}: accumulator`);
    // Every account any transfer of the token reached has a row, with the balance the token says.
    const transfers = await chain.client.getContractEvents({ address: twin.token, abi: ABI.shares, eventName: 'Transfer', fromBlock: 0n, toBlock: block });
    const reached = new Set(transfers.flatMap((log) => [lc(log.args.from), lc(log.args.to)]).filter((who) => who !== ZERO));
    const rows = data.shareHoldings.items.filter((row) => row.twinId === String(id));
    assert.deepEqual(new Set(rows.map((row) => row.holder)), reached, `twin ${id}: holders`);
    let held = 0;
    for (const row of rows) {
      const where = `twin ${id}, holder ${row.holder}`;
      const [balance, earned, toDate] = await Promise.all([
        chain.readShares(twin.token, 'balanceOf', [row.holder], block),
        chain.readShares(twin.token, 'earnedOf', [row.holder], block),
        chain.readShares(twin.token, 'earnedToDateOf', [row.holder], block),
      ]);
      assert.equal(row.balance, String(balance), `${where}: balance`);
      assert.equal(row.token, twin.token);
      const earnedHere = (BigInt(row.unpaidScaled) + balance * (BigInt(token.netPerShare) - BigInt(row.paidPerShare))) / SCALE;
      assert.equal(earnedHere, earned, `${where}: earnedOf`);
      assert.equal(BigInt(row.taken) + earnedHere, toDate, `${where}: earnedToDateOf`);
      if (balance > 0n) held += 1;
    }
    assert.equal(token.holders, held, `twin ${id}: holders counted`);
  }
  return { block, now, ...truth };
}

/** The gallery spans in force at `now`: one per twin. */
export async function spansAt(indexerUrl, now) {
  const { gallerySpans } = await gql(
    indexerUrl,
    `query S($now: BigInt!) { gallerySpans(where: { validFrom_lte: $now, validUntil_gt: $now }, orderBy: "twinId", orderDirection: "asc", limit: 1000) {
       totalCount items { twinId forSale askingPrice listingPrice split shareSupply forSaleBps cheapestPerShare } } }`,
    { now: String(now) },
  );
  return gallerySpans;
}
