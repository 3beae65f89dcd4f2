// TwinVault: twins split into shares and joined again. A split locks the twin in the vault (the
// registry's `Transfer` before `Split`) and makes or reuses the twin's shares token, whose own events
// TwinShares.ts indexes; a join burns every share and sends the twin out (`Joined` before the
// `Transfer`), and ends every lot of the split for good.
import { ponder } from "ponder:registry";
import { shareToken, twin, twinEvent } from "ponder:schema";
import { getTwin, keepLog, killTwinLots, lower, recordTwinEvent, refreshTwin } from "./lib";

ponder.on("TwinVault:Split", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, holder, shares, supply } = event.args;
  const row = await getTwin(context, tokenId);
  const tx = lower(event.transaction.hash);
  // The token's `Transfer` minting the supply follows; its balances start there.
  await context.db
    .insert(shareToken)
    .values({
      id: lower(shares),
      twinId: tokenId,
      supply: 0n,
      holders: 0,
      netPerShare: 0n,
      accrued: 0n,
      taken: 0n,
      splits: 1,
      createdAtBlock: event.block.number,
    })
    .onConflictDoUpdate((current) => ({ splits: current.splits + 1 }));
  await context.db.update(twin, { id: tokenId }).set({
    split: true,
    sharesToken: lower(shares),
    shareSupply: supply,
    splitAtBlock: event.block.number,
  });
  // The twin went into the vault in this transaction: that transfer is part of the split.
  if (row.lastTransferEventId !== null) {
    const transfer = await context.db.find(twinEvent, { id: row.lastTransferEventId });
    if (transfer !== null && transfer.txHash === tx) {
      await context.db.update(twinEvent, { id: transfer.id }).set({ merged: true });
    }
  }
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "Split", { from: holder, amount: supply, detail: lower(shares) });
});

ponder.on("TwinVault:Joined", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, holder } = event.args;
  const row = await getTwin(context, tokenId);
  if (!row.split) throw new Error(`twin ${tokenId} was joined but is not split`);
  // A lot is tied to the split it was made under: the join ends it, even if the twin is split again.
  await killTwinLots(context, tokenId, "Joined", event.block);
  await context.db.update(twin, { id: tokenId }).set({
    split: false,
    shareSupply: null,
    joinTx: lower(event.transaction.hash),
  });
  await refreshTwin(context, tokenId, event.block);
  await recordTwinEvent(context, event, tokenId, "Joined", { from: holder });
});
