// The local chain both scripts/dev and the e2e suite run on: anvil on 127.0.0.1, the contracts
// deployed by their Foundry scripts, demo data seeded, and the addresses written into a
// networks.json the app reads. Run as a program it keeps the chain up until it is signalled.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { privateKeyToAccount } from 'viem/accounts';
import { avatarFor, seedEns } from './seed-ens.mjs';
import { HISTORY_DAYS, playHistory, publishToday } from './seed-history.mjs';

const run = promisify(execFile);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONTRACTS = join(ROOT, 'contracts');
const BIN = (tool) => join(ROOT, 'node_modules', '@foundry-rs', `${tool}-linux-amd64`, 'bin', tool);
export const CHAIN_ID = 31337;

// anvil's well-known dev accounts (from its public test mnemonic): local chains only.
export const ANVIL_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
];

async function rpc(url, method, params = []) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
export { rpc };

/** Starts anvil on 127.0.0.1:`port` and resolves once it answers RPC; `startTime` (unix seconds)
 * sets its clock, which then runs on from there; `chainId` lets it stand in for another network. */
export async function startAnvil({ port, log = () => {}, startTime, chainId = CHAIN_ID }) {
  const url = `http://127.0.0.1:${port}`;
  try {
    await rpc(url, 'eth_chainId');
    throw new Error(`port ${port} already answers JSON-RPC: stop whatever runs there first`);
  } catch (error) {
    if (error.message.startsWith('port')) throw error;
  }
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId)];
  if (startTime !== undefined) args.push('--timestamp', String(startTime));
  const anvil = spawn(BIN('anvil'), args, {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = null;
  anvil.on('exit', (code) => (exited = code));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (exited !== null) throw new Error(`anvil exited with ${exited} before answering on ${url}`);
    try {
      await rpc(url, 'eth_chainId');
      log(`anvil answers on ${url} (pid ${anvil.pid})`);
      return { url, pid: anvil.pid, stop: () => anvil.kill('SIGTERM') };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  anvil.kill('SIGKILL');
  throw new Error(`anvil did not answer on ${url} within 10 s`);
}

async function forgeScript(script, rpcUrl, extraArgs = [], env = {}) {
  await run(BIN('forge'), ['script', script, '--rpc-url', rpcUrl, '--broadcast', '--slow', ...extraArgs], {
    cwd: CONTRACTS,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  const record = join(CONTRACTS, 'broadcast', script.split('/').pop(), String(CHAIN_ID), 'run-latest.json');
  return JSON.parse(readFileSync(record, 'utf8'));
}

// Deploy.s.sol's descriptions of the feeds it publishes itself, by the key networks.json names them.
const PUBLISHED_FEEDS = {
  ethUsdFeed: 'ETH / USD',
  btcUsdFeed: 'BTC / USD',
  difficultyFeed: 'Bitcoin difficulty',
  blockFeesFeed: 'Bitcoin fees per block (BTC)',
};

/** The addresses and first block of a Deploy.s.sol broadcast record, as networks.json holds them.
 * Feeds the deployment did not publish itself (Chainlink's, on a public network) are taken from
 * `chainlink`, the network's own entry. */
export function deployedContracts(record, chainlink = {}) {
  const creations = record.transactions.filter((tx) => tx.transactionType === 'CREATE');
  const created = Object.fromEntries(creations.map((tx) => [tx.contractName, tx.contractAddress.toLowerCase()]));
  const published = (description) =>
    creations.find((tx) => tx.contractName === 'PublishedFeed' && tx.arguments?.[2]?.replaceAll('"', '') === description)
      ?.contractAddress.toLowerCase();
  const feeds = Object.fromEntries(
    Object.entries(PUBLISHED_FEEDS).map(([key, description]) => [key, published(description) ?? chainlink[key]?.toLowerCase()]),
  );
  for (const [key, address] of Object.entries(feeds)) {
    if (!address) throw new Error(`the deployment neither published ${key} nor was given one`);
  }
  const deploymentBlock = Math.min(...record.receipts.map((receipt) => Number(receipt.blockNumber)));
  return {
    twinRegistry: created.TwinRegistry,
    twinMarket: created.TwinMarket,
    hashLedger: created.HashLedger,
    twinLens: created.TwinLens,
    twinEarnings: created.TwinEarnings,
    twinVault: created.TwinVault,
    ...feeds,
    deploymentBlock,
  };
}

/** Deploys the contracts from anvil's first account; returns their addresses and first block. */
export async function deploy(rpcUrl) {
  // A deployer key exported for a real network must not take over the local deployment.
  const record = await forgeScript('script/Deploy.s.sol', rpcUrl, ['--private-key', ANVIL_KEYS[0]], {
    HASHTWIN_DEPLOYER_KEY: '',
  });
  return deployedContracts(record);
}

/** How far back the demo twins are minted: the month of history the seed plays, and two hours to
 * spare, so that its last settlements land before now. */
export const SEED_HISTORY_SECONDS = HISTORY_DAYS * 24 * 3600 + 2 * 3600;

/** The demo operators' ENS names (Seed.s.sol's accounts 1-4), with avatars in their colours. Dave's is
 * beyond ASCII, as many real names are: the app checks it with UTS-46's Unicode tables. */
export const OPERATOR_NAMES = [
  { account: 1, name: 'alice-mining.eth', colour: '#d9480f' },
  { account: 2, name: 'bob-hashworks.eth', colour: '#1971c2' },
  { account: 3, name: 'carol-rigs.eth', colour: '#2b8a3e' },
  { account: 4, name: 'dave-färms.eth', colour: '#7048e8' },
];

/** Mints the demo twins, plays the month they lived (seed-history.mjs), moves the chain's clock to
 * now, publishes today's prices, logs maintenance and opens the market, and names the operators
 * in an ENS of the chain's own. The chain must have started `SEED_HISTORY_SECONDS` ago. Returns
 * the ENS registry's address. */
export async function seed(rpcUrl, contracts) {
  const env = { TWIN_REGISTRY: contracts.twinRegistry, TWIN_MARKET: contracts.twinMarket };
  // The reveals must land a block after their commits, which forge's on-chain simulation does not
  // reproduce; the script's own simulation does (it rolls the block).
  await forgeScript('script/Seed.s.sol', rpcUrl, ['--skip-simulation'], { ...env, SEED_PHASE: 'twins' });
  const latest = await rpc(rpcUrl, 'eth_getBlockByNumber', ['latest', false]);
  await playHistory({
    rpcUrl,
    contracts,
    keys: ANVIL_KEYS,
    mintedAt: Number(latest.timestamp),
    // Seed.s.sol's roles: operators are accounts 1-4 and reporters 5-7, round robin by twin.
    operatorOf: (tokenId) => 1 + ((tokenId - 1) % 4),
    reporterOf: (tokenId) => 5 + ((tokenId - 1) % 3),
  });
  await rpc(rpcUrl, 'evm_setNextBlockTimestamp', [Math.floor(Date.now() / 1000)]);
  await rpc(rpcUrl, 'evm_mine');
  await publishToday({ rpcUrl, contracts, key: ANVIL_KEYS[0] });
  await forgeScript('script/Seed.s.sol', rpcUrl, [], { ...env, SEED_PHASE: 'activity' });
  const operators = OPERATOR_NAMES.map(({ account, name, colour }) => ({
    address: privateKeyToAccount(ANVIL_KEYS[account]).address,
    name,
    avatar: avatarFor(name, colour),
  }));
  return { ensRegistry: await seedEns({ rpcUrl, operators }) };
}

/** Writes `source` networks.json to `target` with the local chain's RPC URL and addresses, the
 * indexer's URL when one runs for it (without one, the app reads the chain) and the ENS registry's
 * when the chain has one (without one, accounts show as hex). */
export function writeNetworks({ source, target, rpcUrl, contracts, indexerUrl, ensRegistry }) {
  const config = JSON.parse(readFileSync(source, 'utf8'));
  const local = config.networks.find((network) => network.chainId === CHAIN_ID);
  local.rpcUrl = rpcUrl;
  local.contracts = contracts;
  if (indexerUrl) local.indexerUrl = indexerUrl;
  else delete local.indexerUrl;
  if (ensRegistry) local.ensRegistry = ensRegistry;
  else delete local.ensRegistry;
  const text = JSON.stringify(config, null, 2) + '\n';
  // Unchanged content is not rewritten, so that trunk's watcher does not rebuild for nothing.
  if (existsSync(target) && readFileSync(target, 'utf8') === text) return;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

/** anvil, deployed and seeded, its addresses (and `indexerUrl`, if given) written to `networks`. */
export async function startLocalChain({ port, networks, log = console.log, indexerUrl }) {
  const anvil = await startAnvil({ port, log, startTime: Math.floor(Date.now() / 1000) - SEED_HISTORY_SECONDS });
  try {
    const started = Date.now();
    const contracts = await deploy(anvil.url);
    log(`deployed TwinRegistry ${contracts.twinRegistry}, TwinMarket ${contracts.twinMarket}, HashLedger ${contracts.hashLedger}`);
    const { ensRegistry } = await seed(anvil.url, contracts);
    log(`seeded demo data in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    writeNetworks({ source: join(ROOT, 'public', 'networks.json'), target: networks, rpcUrl: anvil.url, contracts, indexerUrl, ensRegistry });
    return { ...anvil, contracts, ensRegistry };
  } catch (error) {
    anvil.stop();
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8545);
  const networks = process.argv[3] ?? join(ROOT, 'public', 'networks.json');
  const indexerUrl = process.argv[4];
  const chain = await startLocalChain({ port, networks, indexerUrl, log: (line) => console.log(`chain: ${line}`) });
  console.log('chain: ready');
  const stop = () => {
    chain.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}

/** A port no one listens on at this moment, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
