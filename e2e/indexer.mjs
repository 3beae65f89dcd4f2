// The indexer for the suite's second pass (HASHTWIN_E2E_INDEXER=1): Ponder on PGlite, following the
// suite's chain, at the URL global-setup wrote into the app's networks.json.
//
// Each test ends with the chain reverted to its snapshot, which the indexer sees as a
// reorganisation. Ponder follows one within its finality window (30 blocks on chain 31337) once a
// new block arrives; a test that mined more than that takes the indexer past what it can undo, so
// it is started afresh on a new database.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, rpc } from '../scripts/lib/localchain.mjs';
import { indexedBlock, startPonder, until, waitReady, waitSynced } from '../indexer/test/harness.mjs';

/** Blocks a test may mine and still leave the indexer able to roll back, with room to spare. */
const REORG_LIMIT = 25;
const RUN = join(ROOT, '.run', 'e2e-indexer');
/** Indexing the seeded month takes some 35 s; a busy machine takes several times that. */
const START_TIMEOUT_MS = 240_000;

export async function startIndexer({ port, networks, rpcUrl }) {
  let generation = 0;
  let ponder = null;
  const start = async () => {
    generation += 1;
    const directory = join(RUN, `pglite-${generation}`);
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(RUN, { recursive: true });
    ponder = startPonder({
      command: 'start',
      port,
      args: ['--schema', 'hashtwin'],
      env: { HASHTWIN_NETWORKS: networks, HASHTWIN_PGLITE_DIR: directory },
      logPath: join(RUN, `ponder-${generation}.log`),
    });
    await waitReady(ponder, START_TIMEOUT_MS);
    await waitSynced(ponder, rpcUrl, START_TIMEOUT_MS);
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    /**
     * After a test: the chain was reverted to block `base` from `head`. Leaves the indexer at the
     * chain's head again, by a reorganisation or a fresh start.
     */
    async follow({ base, head }) {
      if (head === base) return;
      if (head - base > REORG_LIMIT) {
        await ponder.stop();
        await start();
        return;
      }
      // The revert itself mines nothing: a new block is what shows the indexer the other branch.
      await rpc(rpcUrl, 'evm_mine');
      const latest = Number(await rpc(rpcUrl, 'eth_blockNumber'));
      await until(`the indexer to follow the revert to block ${latest}`, async () => (await indexedBlock(ponder.url)) === latest, {
        timeoutMs: 30_000,
      }).catch((error) => {
        throw new Error(`${error.message}\n--- ${ponder.logPath}\n${ponder.logTail()}`);
      });
    },
    async stop() {
      await ponder?.stop();
    },
  };
}
