// One chain and one app server for the whole run; each test restores the chain from a snapshot
// (see fixtures.mjs), so tests do not see each other's transactions.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startLocalChain } from '../scripts/lib/localchain.mjs';
import { startStaticServer } from './serve.mjs';

// Another checkout running its suite at the same time on this machine moves both (README, Ports).
export const CHAIN_PORT = Number(process.env.HASHTWIN_E2E_CHAIN_PORT ?? 8645);
export const APP_PORT = Number(process.env.HASHTWIN_E2E_APP_PORT ?? 8180);
export const INDEXER_PORT = Number(process.env.HASHTWIN_E2E_INDEXER_PORT ?? 8742);
/** The second pass: the app reads its history and gallery from the indexer (`e2e/indexer.mjs`). */
export const WITH_INDEXER = process.env.HASHTWIN_E2E_INDEXER === '1';

export default async function globalSetup() {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error('dist/ has no build: run `trunk build --release` first (scripts/test does)');
  }
  const networksPath = join(ROOT, '.run', 'e2e-networks.json');
  const indexerUrl = WITH_INDEXER ? `http://127.0.0.1:${INDEXER_PORT}` : undefined;
  const chain = await startLocalChain({
    port: CHAIN_PORT,
    networks: networksPath,
    indexerUrl,
    log: (line) => console.log(`e2e chain: ${line}`),
  });
  const app = await startStaticServer({ root: dist, port: APP_PORT, networksPath });
  process.env.E2E_RPC_URL = chain.url;
  process.env.E2E_TWIN_REGISTRY = chain.contracts.twinRegistry;
  process.env.E2E_TWIN_MARKET = chain.contracts.twinMarket;
  process.env.E2E_HASH_LEDGER = chain.contracts.hashLedger;
  process.env.E2E_TWIN_EARNINGS = chain.contracts.twinEarnings;
  process.env.E2E_TWIN_VAULT = chain.contracts.twinVault;
  process.env.E2E_ENS_REGISTRY = chain.ensRegistry;
  process.env.E2E_NETWORKS = networksPath;
  if (indexerUrl) console.log(`e2e: the app reads its history and gallery from the indexer at ${indexerUrl}`);
  return async () => {
    app.stop();
    chain.stop();
  };
}
