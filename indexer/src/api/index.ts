// The indexer's HTTP API. Ponder's server adds /health, /ready, /status and /metrics, and allows
// every origin (CORS), so the app can call it from its own port or host.
import { Hono } from "hono";
import { graphql } from "ponder";
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

export default app;
