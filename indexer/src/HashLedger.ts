// HashLedger: donated work, per batch, per twin, per contributor and per (twin, contributor).
import { ponder } from "ponder:registry";
import { contributor, credit, twin, twinContribution } from "ponder:schema";
import { descendingKey, getTwin, keepLog, lower, recordTwinEvent, refreshTwin } from "./lib";

ponder.on("HashLedger:WorkCredited", async ({ event, context }) => {
  await keepLog(context, event);
  const { tokenId, contributor: who, jobSeed, shares, work } = event.args;
  const at = event.block.timestamp;
  const row = await getTwin(context, tokenId);
  await context.db.insert(credit).values({
    id: event.id,
    twinId: tokenId,
    contributor: lower(who),
    jobSeed,
    shares,
    work,
    blockNumber: event.block.number,
    timestamp: at,
    txHash: lower(event.transaction.hash),
  });
  const donatedWork = row.donatedWork + work;
  await context.db.update(twin, { id: tokenId }).set({
    donatedWork,
    donatedShares: row.donatedShares + shares,
    sortDonated: descendingKey(donatedWork, tokenId),
  });
  await refreshTwin(context, tokenId, event.block);
  await context.db
    .insert(twinContribution)
    .values({ id: `${tokenId}-${lower(who)}`, twinId: tokenId, contributor: lower(who), work, shares, batches: 1, lastCreditAt: at })
    .onConflictDoUpdate((current) => ({
      work: current.work + work,
      shares: current.shares + shares,
      batches: current.batches + 1,
      lastCreditAt: at,
    }));
  await context.db
    .insert(contributor)
    .values({ id: lower(who), work, shares, batches: 1, lastCreditAt: at })
    .onConflictDoUpdate((current) => ({
      work: current.work + work,
      shares: current.shares + shares,
      batches: current.batches + 1,
      lastCreditAt: at,
    }));
  await recordTwinEvent(context, event, tokenId, "WorkCredited", { from: who, amount: work, detail: String(shares) });
});
