// The indexer for the load-time benchmark's "with the indexer" rows, started on the scenario's
// chain and stopped after it. A checkout may provide scripts/lib/indexer.mjs exporting
// `startIndexer({ root, networks, rpcUrl, head, port, dataDir, log })` resolving to
// `{ url, path?, stop() }` once the indexer has indexed block `head`, the chain's last; otherwise Ponder is started from indexer/ the way
// its ponder.config.ts documents: HASHTWIN_NETWORKS (which deployment), HASHTWIN_INDEXER_RPC_URL
// (where it reads the chain) and HASHTWIN_PGLITE_DIR (its embedded database).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How the checkout at `root` starts its indexer, or null when it has none. */
export async function findIndexer(root) {
  const hook = join(root, 'scripts', 'lib', 'indexer.mjs');
  if (existsSync(hook)) {
    const module = await import(pathToFileURL(hook).href);
    if (typeof module.startIndexer === 'function') return { how: 'scripts/lib/indexer.mjs', start: module.startIndexer };
  }
  if (existsSync(join(root, 'indexer', 'ponder.config.ts')) && existsSync(join(root, 'node_modules', '.bin', 'ponder'))) {
    return { how: 'ponder start', start: startPonder };
  }
  return null;
}

/** Ponder on PGlite in `dataDir`, indexing the deployment `networks` names from `rpcUrl`; resolves
 * once it has indexed block `head`. `track(stop, what)`, when given, learns how to stop it as soon
 * as it is spawned (a run interrupted while it catches up must not leave it behind) and returns
 * the stop to use from then on. */
export async function startPonder({ root, networks, rpcUrl, head, port, dataDir, log = () => {}, track, readyMinutes = 20 }) {
  mkdirSync(dataDir, { recursive: true });
  const logFile = `${dataDir}.log`;
  const output = openSync(logFile, 'w');
  const child = spawn(
    join(root, 'node_modules', '.bin', 'ponder'),
    ['start', '--root', join(root, 'indexer'), '--schema', 'bench', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: root,
      // A process group of its own, so that stopping it also stops whatever it starts.
      detached: true,
      stdio: ['ignore', output, output],
      env: { ...process.env, HASHTWIN_NETWORKS: networks, HASHTWIN_INDEXER_RPC_URL: rpcUrl, HASHTWIN_PGLITE_DIR: dataDir },
    },
  );
  let exited = null;
  // Its own process group does not end with this process: on any exit, it is ended here.
  const killOnExit = () => process.kill(-child.pid, 'SIGKILL');
  process.on('exit', killOnExit);
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve((exited = code ?? signal));
    }),
  );
  const kill = async () => {
    if (exited !== null) return;
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => exited === null && process.kill(-child.pid, 'SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  const stop = track ? track(kill, `ponder (pid ${child.pid})`) : kill;
  log(`ponder (pid ${child.pid}) starting on port ${port}, log in ${logFile}`);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyMinutes * 60_000;
  try {
    // /ready answers 200 once the backfill reaches the finalized block, 30 blocks or so behind the
    // head; the rest is indexed live, a block at a time, so /status must show the head itself.
    while (Date.now() < deadline) {
      if (exited !== null) throw new Error(`ponder exited with ${exited}; see ${logFile}`);
      const status = await fetch(`${url}/status`).then((response) => (response.ok ? response.json() : null), () => null);
      const indexed = Math.max(-1, ...Object.values(status ?? {}).map((chain) => Number(chain?.block?.number ?? -1)));
      if (indexed >= head) return { url, stop };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`ponder did not catch up within ${readyMinutes} minutes; see ${logFile}`);
  } catch (error) {
    await stop();
    throw error;
  }
}
