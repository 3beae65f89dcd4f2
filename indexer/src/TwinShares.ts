// Each twin's shares token (a TwinShares clone, found through the vault's `Split`, Ponder's factory
// pattern): who holds how many shares, and what each holder's shares earned, kept exactly as the
// token keeps it, so that `earnedOf` and `earnedToDateOf` can be worked out from the rows.
import { type Context, ponder } from "ponder:registry";
import { account, shareHolding, shareToken } from "ponder:schema";
import { ZERO_ADDRESS, lower, type Hex } from "./lib";

/** `TwinShares.ACCUMULATOR_SCALE`. */
const SCALE = 10n ** 36n;

async function tokenOf(context: Context, address: Hex) {
  const token = await context.db.find(shareToken, { id: lower(address) });
  // The factory hands over only the vault's clones, each announced by a `Split` first.
  if (token === null) throw new Error(`shares token ${address} has an event but no Split was indexed`);
  return token;
}

/** The holder's row with its earnings settled at the accumulator `perShare`, as the token's
 * `_checkpoint` does before any balance changes. */
async function checkpoint(context: Context, token: typeof shareToken.$inferSelect, holder: Hex) {
  const id = `${token.twinId}-${lower(holder)}`;
  const row = await context.db
    .insert(shareHolding)
    .values({
      id,
      twinId: token.twinId,
      token: token.id,
      holder: lower(holder),
      balance: 0n,
      paidPerShare: token.netPerShare,
      unpaidScaled: 0n,
      taken: 0n,
    })
    .onConflictDoNothing();
  const current = row ?? (await context.db.find(shareHolding, { id }))!;
  if (current.paidPerShare === token.netPerShare) return current;
  const settled = {
    paidPerShare: token.netPerShare,
    unpaidScaled: current.unpaidScaled + current.balance * (token.netPerShare - current.paidPerShare),
  };
  await context.db.update(shareHolding, { id }).set(settled);
  return { ...current, ...settled };
}

ponder.on("TwinShares:Transfer", async ({ event, context }) => {
  const { from, to, value } = event.args;
  const token = await tokenOf(context, event.log.address);
  // Both sides are settled before the balances move, even for a transfer of nothing.
  const sender = lower(from) === ZERO_ADDRESS ? null : await checkpoint(context, token, from);
  if (lower(to) !== ZERO_ADDRESS) await checkpoint(context, token, to);
  let holders = token.holders;
  let supply = token.supply;
  if (sender !== null) {
    const left = (await context.db.find(shareHolding, { id: sender.id }))!.balance - value;
    if (left < 0n) throw new Error(`${from} sent ${value} shares of twin ${token.twinId} it does not hold`);
    await context.db.update(shareHolding, { id: sender.id }).set({ balance: left });
    if (left === 0n && value > 0n) holders -= 1;
  } else {
    supply += value;
  }
  if (lower(to) !== ZERO_ADDRESS) {
    const id = `${token.twinId}-${lower(to)}`;
    const before = (await context.db.find(shareHolding, { id }))!.balance;
    await context.db.update(shareHolding, { id }).set({ balance: before + value });
    if (before === 0n && value > 0n) holders += 1;
  } else {
    supply -= value;
  }
  await context.db.update(shareToken, { id: token.id }).set({ holders, supply });
});

ponder.on("TwinShares:Accrued", async ({ event, context }) => {
  const { net, netPerShare } = event.args;
  const token = await tokenOf(context, event.log.address);
  await context.db.update(shareToken, { id: token.id }).set({ netPerShare, accrued: token.accrued + net });
});

ponder.on("TwinShares:Taken", async ({ event, context }) => {
  const { holder, amount } = event.args;
  const token = await tokenOf(context, event.log.address);
  const row = await checkpoint(context, token, holder);
  if (row.unpaidScaled < amount * SCALE) throw new Error(`${holder} took ${amount} of twin ${token.twinId}'s shares' earnings, more than it earned`);
  await context.db
    .update(shareHolding, { id: row.id })
    .set({ unpaidScaled: row.unpaidScaled - amount * SCALE, taken: row.taken + amount });
  await context.db.update(shareToken, { id: token.id }).set({ taken: token.taken + amount });
  // The claim that took it names the amount in its `Claimed`, next in the same transaction.
  await context.db
    .insert(account)
    .values({ id: lower(holder), sharesClaimed: amount, sharesTakenPending: amount })
    .onConflictDoUpdate((current) => ({
      sharesClaimed: current.sharesClaimed + amount,
      sharesTakenPending: current.sharesTakenPending + amount,
    }));
});
