// The indexer's HTTP API. Ponder's server adds /health, /ready, /status and /metrics, and allows
// every origin (CORS), so the app can call it from its own port or host.
import { Hono } from "hono";
import { compress } from "hono/compress";
import { and, asc, eq, graphql, gte, lte } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";
import { deployment } from "../../ponder.config";

const app = new Hono();

// The twin page asks for a twin with its listing, offers, provenance and maintenance in one
// request, which is past the default 1,000 tokens; depth stays near what relations need.
const limits = { maxOperationTokens: 4_000, maxOperationDepth: 12, maxOperationAliases: 30 };
app.use("/graphql", graphql({ db, schema }, limits));
app.use("/", graphql({ db, schema }, limits));

// Which deployment this indexer reads: the app compares it with its networks.json before trusting
// any answer.
app.get("/deployment", (c) => c.json(deployment));

/** Logs per `/history` answer at most: about 1.5 MB of JSON, which a phone parses in well under a
 * second. A client may ask for fewer with `limit`. */
const HISTORY_PAGE = 5_000;

const blockParameter = (value: string | undefined) => (value && /^[0-9]{1,15}$/.test(value) ? BigInt(value) : null);
const hexQuantity = (value: bigint | number) => `0x${value.toString(16)}`;

// The logs of blocks `from..=to` the app's store reads, in chain order and in `eth_getLogs`' own
// form, with each block's time, cut at a block boundary after about `limit` logs: `through`
// is the last block the answer covers, and the app asks again from the block after it. `to` must
// not pass the block `/status` reports, which is what the app asks for.
// Hex in JSON: gzip sends about a sixth of it, which is most of a first visit's download.
app.use("/history", compress());
app.get("/history", async (c) => {
  const from = blockParameter(c.req.query("from"));
  const to = blockParameter(c.req.query("to"));
  if (from === null || to === null || to < from) {
    return c.json({ error: "from and to must be block numbers, from <= to" }, 400);
  }
  const limit = Math.min(Number(blockParameter(c.req.query("limit")) ?? HISTORY_PAGE), HISTORY_PAGE);
  if (limit < 1) return c.json({ error: "limit must be at least 1" }, 400);
  const { historyLog } = schema;
  const order = [asc(historyLog.blockNumber), asc(historyLog.logIndex)] as const;
  let rows = await db
    .select()
    .from(historyLog)
    .where(and(gte(historyLog.blockNumber, from), lte(historyLog.blockNumber, to)))
    .orderBy(...order)
    .limit(limit + 1);
  let through = to;
  if (rows.length > limit) {
    // The page ends before the block it would cut in two, unless that block is its first.
    const cut = rows[limit]!.blockNumber;
    if (cut > from) {
      through = cut - 1n;
      rows = rows.filter((row) => row.blockNumber < cut);
    } else {
      through = from;
      rows = await db.select().from(historyLog).where(eq(historyLog.blockNumber, from)).orderBy(...order);
    }
  }
  const times: Record<string, number> = {};
  for (const row of rows) times[row.blockNumber.toString()] = Number(row.blockTime);
  return c.json({
    through: Number(through),
    times,
    logs: rows.map((row) => ({
      address: row.address,
      topics: row.topics,
      data: row.data,
      blockHash: row.blockHash,
      blockNumber: hexQuantity(row.blockNumber),
      transactionHash: row.transactionHash,
      transactionIndex: hexQuantity(row.transactionIndex),
      logIndex: hexQuantity(row.logIndex),
      removed: false,
    })),
  });
});

export default app;
