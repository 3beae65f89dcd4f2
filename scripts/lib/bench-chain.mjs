// The chains the load-time benchmark reads: the seeded demo chain, then the same with long empty
// histories or with thousands of twins. Building them takes minutes (10,000 twins are 20,000
// commit and reveal transactions), so each is built once, saved with anvil_dumpState and loaded
// again with --load-state, under .run/bench-cache/<key>/. The key hashes everything that shapes a
// chain: the contracts' bytecode, the Foundry scripts, the deploy and seed steps of localchain.mjs,
// anvil's version and the recipe below; a change to any of them builds the chains again.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { CHAIN_ID, deploy, ROOT, rpc, seed, SEED_HISTORY_SECONDS } from './localchain.mjs';

const run = promisify(execFile);
const BIN = (tool) => join(ROOT, 'node_modules', '@foundry-rs', `${tool}-linux-amd64`, 'bin', tool);
const CACHE = join(ROOT, '.run', 'bench-cache');
const WORK = join(ROOT, '.run', 'bench-load');

/**
 * Every chain anvil runs for the benchmark. Cancun is the EVM the contracts are compiled for
 * (foundry.toml); under anvil's default, Prague, the block-hash history contract (EIP-2935)
 * writes storage in every block, and anvil then mines about 140 empty blocks a second however
 * history is kept (100,000 in 11 min here) instead of 40,000. --prune-history stops anvil keeping
 * a state per block, whose cost grows with the chain (20,000 blocks in 200 s, the next 40,000 in
 * 800 s); blocks, receipts and logs are all kept, and the app reads state only at `latest`.
 */
export const ANVIL_ARGS = ['--hardfork', 'cancun', '--prune-history'];

/** How many empty blocks one anvil_mine asks for: one call of 100,000 can outlast fetch's 300 s
 * header timeout on a slow chain. */
const MINE_STEP = 5_000;
/** Twins per forge run of BenchTwins. */
const MINT_BATCH = 1_000;
/** Transactions per JSON-RPC request while minting. */
const SEND_BATCH = 500;
/** Gas declared per transaction while minting, by function. */
const GAS = { 'commitMint(bytes32)': '0x30d40', default: '0xf4240' };
/** The seeded listings are open for 30 days (Seed.s.sol): past that the demo chain has none, and a
 * twin page no longer shows the live listing it is measured with. */
const MAX_AGE_DAYS = 25;
/** Changes whenever the way a chain is built changes in a way the other inputs do not show. */
const RECIPE = 2;
const SEEDED_TWINS = 12;

/**
 * The scenarios: each is its parent chain plus empty blocks or more twins. Twin counts are totals,
 * the seeded dozen included, as in the gallery benchmark. Twins are minted many to a block (10,000
 * in about 120 blocks), so that the twins rows measure the collection's size and the blocks rows
 * the history's length, each without the other.
 */
export const SCENARIOS = {
  'blocks-0': { label: 'no history', parent: null },
  'blocks-20000': { label: '20,000 blocks', parent: 'blocks-0', emptyBlocks: 20_000 },
  'blocks-100000': { label: '100,000 blocks', parent: 'blocks-20000', emptyBlocks: 80_000 },
  'twins-1000': { label: '1,000 twins', parent: 'blocks-0', twins: 1_000 },
  'twins-10000': { label: '10,000 twins', parent: 'twins-1000', twins: 10_000 },
};

/** Hex of the sha256 of every input that shapes a chain. */
export async function stateKey() {
  const hash = createHash('sha256');
  hash.update(`recipe ${RECIPE} ${JSON.stringify(SCENARIOS)} ${ANVIL_ARGS.join(' ')}\n`);
  hash.update((await run(BIN('anvil'), ['--version'])).stdout);
  const out = join(ROOT, 'contracts', 'out');
  if (!existsSync(out)) throw new Error('contracts/out is missing: run forge build first (scripts/bench does)');
  // What is deployed and what deploys and seeds it: the compiled sources under src/ and script/.
  const artifacts = [];
  for (const dir of readdirSync(out).sort()) {
    if (!dir.endsWith('.sol')) continue;
    for (const file of readdirSync(join(out, dir)).sort()) {
      const artifact = JSON.parse(readFileSync(join(out, dir, file), 'utf8'));
      const target = Object.keys(artifact.metadata?.settings?.compilationTarget ?? {})[0] ?? '';
      if (target.startsWith('src/') || target.startsWith('script/')) artifacts.push(`${target}:${file}:${artifact.bytecode?.object}`);
    }
  }
  if (!artifacts.some((line) => line.startsWith('src/TwinRegistry.sol'))) throw new Error('contracts/out has no TwinRegistry');
  hash.update(artifacts.join('\n'));
  // The deploy and seed steps themselves, not the whole file: how it starts and stops anvil does
  // not change a chain, and a key that moved with it would rebuild 10,000 twins for nothing.
  hash.update(deploy.toString());
  hash.update(seed.toString());
  return hash.digest('hex').slice(0, 16);
}

const paths = (key, scenario) => ({
  state: join(CACHE, key, `${scenario}.state.json.gz`),
  meta: join(CACHE, key, `${scenario}.meta.json`),
});

function cached(key, scenario) {
  const { state, meta } = paths(key, scenario);
  if (!existsSync(state) || !existsSync(meta)) return null;
  const info = JSON.parse(readFileSync(meta, 'utf8'));
  const ageDays = (Date.now() / 1000 - info.seededAt) / 86_400;
  return ageDays <= MAX_AGE_DAYS ? info : null;
}

/**
 * Builds whichever of `scenarios` (and their parents) the cache lacks. Returns the cache key.
 * `port` is where the building anvil listens while it works.
 */
export async function ensureStates(scenarios, { port, log = console.error }) {
  const key = await stateKey();
  removeExpired(key);
  const needed = new Set();
  const want = (id) => {
    if (cached(key, id)) return;
    needed.add(id);
    // A parent older than MAX_AGE_DAYS is rebuilt with its children, which share its seed time.
    if (SCENARIOS[id].parent) want(SCENARIOS[id].parent);
  };
  for (const id of scenarios) want(id);
  if (needed.size === 0) return key;

  mkdirSync(join(CACHE, key), { recursive: true });
  mkdirSync(WORK, { recursive: true });
  // Parents before children, in the table's order, so that a running chain grows from one to the
  // next where it can (0 -> 20,000 -> 100,000 blocks) instead of being loaded again.
  const order = Object.keys(SCENARIOS).filter((id) => needed.has(id));
  let chain = null;
  try {
    for (const id of order) {
      const { parent } = SCENARIOS[id];
      if (!chain || chain.scenario !== parent) {
        if (chain) await chain.stop();
        chain = parent ? await loadState(key, parent, { port }) : await seededChain(port, log);
      }
      const started = Date.now();
      await grow(chain, SCENARIOS[id], log);
      await save(key, id, chain, (Date.now() - started) / 1000);
      chain.scenario = id;
      log(`bench chain ${id}: built in ${((Date.now() - started) / 1000).toFixed(1)} s, cached in ${paths(key, id).state}`);
    }
  } finally {
    if (chain) await chain.stop();
  }
  return key;
}

/** Chains of other keys (earlier contracts) past MAX_AGE_DAYS can never be used again. */
function removeExpired(current) {
  if (!existsSync(CACHE)) return;
  for (const dir of readdirSync(CACHE)) {
    if (dir === current) continue;
    const files = readdirSync(join(CACHE, dir)).map((file) => statSync(join(CACHE, dir, file)).mtimeMs);
    if ((Date.now() - Math.max(0, ...files)) / 86_400_000 > MAX_AGE_DAYS) rmSync(join(CACHE, dir), { recursive: true, force: true });
  }
}

/**
 * anvil on 127.0.0.1:`port` with ANVIL_ARGS and `args`, once it answers. Its `stop()` resolves when
 * it has exited, so that the next chain can take the port; it is also killed if this process
 * exits first, however it exits. (localchain.mjs's startAnvil serves dev and the e2e suite, which
 * need neither.)
 */
export async function startBenchAnvil({ port, args = [], readyMs = 120_000 }) {
  const url = `http://127.0.0.1:${port}`;
  const anvil = spawn(BIN('anvil'), ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(CHAIN_ID), ...ANVIL_ARGS, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = null;
  const killOnExit = () => anvil.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exit = new Promise((resolve) =>
    anvil.on('exit', (code, signal) => {
      exited = code ?? signal;
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const stop = async () => {
    if (exited === null) anvil.kill('SIGTERM');
    await exit;
  };
  for (const started = Date.now(); Date.now() - started < readyMs; ) {
    if (exited !== null) throw new Error(`anvil exited with ${exited} before answering on ${url}`);
    try {
      await rpc(url, 'eth_chainId');
      return { url, pid: anvil.pid, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stop();
  throw new Error(`anvil did not answer on ${url} within ${readyMs / 1000} s`);
}

/** The demo chain as scripts/dev and the e2e suite have it, on the benchmark's anvil. */
async function seededChain(port, log) {
  const started = Date.now();
  // Its clock starts where localchain.mjs's does: seed() needs the week of telemetry behind it.
  const anvil = await startBenchAnvil({ port, args: ['--timestamp', String(Math.floor(Date.now() / 1000) - SEED_HISTORY_SECONDS)] });
  try {
    const contracts = await deploy(anvil.url);
    await seed(anvil.url, contracts);
    log(`bench chain blocks-0: deployed and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return {
      url: anvil.url,
      contracts,
      seededAt: Math.floor(Date.now() / 1000),
      scenario: 'blocks-0',
      // The seeded chain itself is blocks-0: nothing to add.
      fresh: true,
      stop: anvil.stop,
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

async function grow(chain, scenario, log) {
  if (chain.fresh) {
    chain.fresh = false;
    if (!scenario.emptyBlocks && !scenario.twins) return;
  }
  if (scenario.emptyBlocks) {
    for (let done = 0; done < scenario.emptyBlocks; done += MINE_STEP) {
      await rpc(chain.url, 'anvil_mine', [`0x${Math.min(MINE_STEP, scenario.emptyBlocks - done).toString(16)}`]);
    }
  }
  if (scenario.twins) {
    let total = Number(await rpc(chain.url, 'eth_call', [totalSupplyCall(chain), 'latest']));
    while (total < scenario.twins) {
      const count = Math.min(MINT_BATCH, scenario.twins - total);
      await mintTwins(chain, count, total + 1);
      const now = Number(await rpc(chain.url, 'eth_call', [totalSupplyCall(chain), 'latest']));
      // A reveal that reverted shows here: the transactions themselves are not read back.
      if (now !== total + count) throw new Error(`${now} twins after minting ${count} more than ${total}`);
      total = now;
      log(`bench chain: ${total} of ${scenario.twins} twins minted`);
    }
  }
}

/**
 * Mints `count` twins numbered from `first` as BenchTwins.s.sol has them, many to a block.
 *
 * forge's own broadcast puts each transaction in a block of its own, and anvil's cost per block
 * grows with the transactions it holds (70 ms a block at 12,000), so 10,000 twins took most of an
 * hour that way. Here forge only writes the transactions (a dry run: the twins' data stays the
 * script's), and they are sent with anvil's automine off and mined a block-full at a time, every
 * commitment in blocks before the first reveal, as the registry requires.
 */
async function mintTwins(chain, count, first) {
  const contracts = join(ROOT, 'contracts');
  await run(BIN('forge'), ['script', 'script/BenchTwins.s.sol', '--rpc-url', chain.url, '--skip-simulation'], {
    cwd: contracts,
    env: { ...process.env, TWIN_REGISTRY: chain.contracts.twinRegistry, BENCH_TWINS: String(count), BENCH_FIRST: String(first) },
    maxBuffer: 64 * 1024 * 1024,
  });
  const record = JSON.parse(readFileSync(join(contracts, 'broadcast', 'BenchTwins.s.sol', '31337', 'dry-run', 'run-latest.json'), 'utf8'));
  // Consecutive calls of one function form a phase; each phase is mined before the next is sent.
  const phases = [];
  for (const { function: name, transaction } of record.transactions) {
    if (phases.at(-1)?.name !== name) phases.push({ name, transactions: [] });
    phases.at(-1).transactions.push(transaction);
  }
  // Full blocks raise the base fee an eighth each; after a hundred or so it passes the fee the
  // pending transactions were sent with, and anvil mines empty blocks. It is held where it was.
  const { baseFeePerGas } = await rpc(chain.url, 'eth_getBlockByNumber', ['latest', false]);
  await rpc(chain.url, 'evm_setAutomine', [false]);
  try {
    for (const phase of phases) {
      for (let from = 0; from < phase.transactions.length; from += SEND_BATCH) {
        const calls = phase.transactions.slice(from, from + SEND_BATCH).map((tx) => [
          'eth_sendTransaction',
          // Declared gas decides how many fit a block: a mint uses about 300,000.
          [{ from: tx.from, to: tx.to, value: tx.value, data: tx.input, nonce: tx.nonce, gas: GAS[phase.name] ?? GAS.default }],
        ]);
        await batch(chain.url, calls);
      }
      const last = phase.transactions.at(-1);
      const done = Number(last.nonce) + 1;
      // Every block takes some; a block that takes none means a transaction anvil will not mine.
      let mined = Number(await rpc(chain.url, 'eth_getTransactionCount', [last.from, 'latest']));
      while (mined < done) {
        await rpc(chain.url, 'anvil_setNextBlockBaseFeePerGas', [baseFeePerGas]);
        await rpc(chain.url, 'evm_mine');
        const now = Number(await rpc(chain.url, 'eth_getTransactionCount', [last.from, 'latest']));
        if (now === mined) throw new Error(`anvil mined none of the pending ${phase.name} transactions`);
        mined = now;
      }
    }
  } finally {
    await rpc(chain.url, 'evm_setAutomine', [true]);
  }
}

/** JSON-RPC calls in one request; throws on the first error. */
async function batch(url, calls) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }))),
  });
  const answers = await response.json();
  const failed = answers.find((answer) => answer.error);
  if (failed) throw new Error(`${calls[failed.id][0]}: ${failed.error.message}`);
  return answers;
}

const totalSupplyCall = (chain) => ({ to: chain.contracts.twinRegistry, data: '0x18160ddd' });

/** What a loaded chain must show to be the one that was saved: same head (number, hash, time),
 * same twins, and the logs of its first blocks, which the app scans from the deployment on. */
async function fingerprint(url, contracts) {
  const head = await rpc(url, 'eth_getBlockByNumber', ['latest', false]);
  const from = contracts.deploymentBlock;
  const logs = await rpc(url, 'eth_getLogs', [
    {
      address: [contracts.twinRegistry, contracts.twinMarket, contracts.hashLedger],
      fromBlock: `0x${from.toString(16)}`,
      toBlock: `0x${Math.min(Number(head.number), from + 500).toString(16)}`,
    },
  ]);
  return {
    head: Number(head.number),
    headHash: head.hash,
    headTime: Number(head.timestamp),
    twins: Number(await rpc(url, 'eth_call', [{ to: contracts.twinRegistry, data: '0x18160ddd' }, 'latest'])),
    earlyLogs: logs.length,
  };
}

async function save(key, id, chain, seconds) {
  const { state, meta } = paths(key, id);
  const dump = await rpc(chain.url, 'anvil_dumpState');
  // anvil answers gzip, hex-encoded; kept gzipped (a 100,000-block chain is 9 MB so, 150 MB not).
  writeFileSync(`${state}.tmp`, Buffer.from(dump.slice(2), 'hex'));
  renameSync(`${state}.tmp`, state);
  const info = {
    scenario: id,
    key,
    contracts: chain.contracts,
    seededAt: chain.seededAt,
    builtAt: new Date().toISOString(),
    buildSeconds: seconds,
    ...(await fingerprint(chain.url, chain.contracts)),
  };
  writeFileSync(meta, JSON.stringify(info, null, 2) + '\n');
}

/**
 * Starts anvil on `port` with the saved chain of `scenario`, checked against what was saved.
 * Resolves to `{ url, contracts, info, scenario, seededAt, stop() }`.
 */
export async function loadState(key, scenario, { port }) {
  const info = cached(key, scenario);
  if (!info) throw new Error(`no saved chain for ${scenario} under ${join(CACHE, key)}`);
  mkdirSync(WORK, { recursive: true });
  // --load-state takes the JSON itself, not anvil_dumpState's gzip.
  const file = join(WORK, `anvil-state-${port}.json`);
  writeFileSync(file, gunzipSync(readFileSync(paths(key, scenario).state)));
  const anvil = await startBenchAnvil({ port, args: ['--load-state', file] });
  try {
    const found = await fingerprint(anvil.url, info.contracts);
    for (const field of ['head', 'headHash', 'headTime', 'twins', 'earlyLogs']) {
      if (found[field] !== info[field]) {
        throw new Error(`the chain loaded for ${scenario} is not the one saved: ${field} ${found[field]}, saved ${info[field]}`);
      }
    }
  } catch (error) {
    await anvil.stop();
    throw error;
  } finally {
    rmSync(file, { force: true });
  }
  return {
    url: anvil.url,
    pid: anvil.pid,
    contracts: info.contracts,
    info,
    scenario,
    seededAt: info.seededAt,
    stop: anvil.stop,
  };
}

/** Bytes under .run/bench-cache, for the report. */
export function cacheSize() {
  const walk = (dir) =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).reduce(
          (sum, entry) => sum + (entry.isDirectory() ? walk(join(dir, entry.name)) : statSync(join(dir, entry.name)).size),
          0,
        )
      : 0;
  return walk(CACHE);
}
