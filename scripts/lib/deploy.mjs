// scripts/deploy: deploys the contracts with contracts/script/Deploy.s.sol to a network that
// networks.json lists, checks what landed on chain, and writes the addresses and the deployment block
// into that network's entry. The deployer key never reaches a command line: it is an encrypted
// Foundry keystore (forge decrypts it, the password coming from a file or forge's own prompt) or the
// HASHTWIN_DEPLOYER_KEY environment variable, which Deploy.s.sol reads itself.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, deployedContracts } from './localchain.mjs';

const CONTRACTS = join(ROOT, 'contracts');
const FORGE = join(ROOT, 'node_modules', '@foundry-rs', 'forge-linux-amd64', 'bin', 'forge');
const RPC_TIMEOUT_MS = 15_000;
// forge broadcasts from this address when it was given no wallet it could open.
const FORGE_DEFAULT_SENDER = '0x1804c8ab1f12e6bbf3894d4083f33e07309d1f38';
// What the written entry is checked by: each view's 4-byte selector (`cast sig`) and the contract
// whose address it must return.
const WIRING = [
  ['twinMarket', 'twins()', '0xd630c479', 'twinRegistry'],
  ['hashLedger', 'twins()', '0xd630c479', 'twinRegistry'],
  ['twinLens', 'registry()', '0x7b103999', 'twinRegistry'],
  ['twinLens', 'market()', '0x80f55605', 'twinMarket'],
  ['twinLens', 'ledger()', '0x56397c35', 'hashLedger'],
  ['twinEarnings', 'registry()', '0x7b103999', 'twinRegistry'],
  ['twinEarnings', 'ethUsdFeed()', '0x8009b7bd', 'ethUsdFeed'],
  ['twinEarnings', 'btcUsdFeed()', '0xd310d14d', 'btcUsdFeed'],
  ['twinEarnings', 'difficultyFeed()', '0x0110a8b8', 'difficultyFeed'],
  ['twinEarnings', 'blockFeesFeed()', '0x5d415ea5', 'blockFeesFeed'],
  ['twinEarnings', 'vault()', '0xfbfa77cf', 'twinVault'],
  ['twinMarket', 'vault()', '0xfbfa77cf', 'twinVault'],
  ['twinLens', 'vault()', '0xfbfa77cf', 'twinVault'],
  ['twinVault', 'registry()', '0x7b103999', 'twinRegistry'],
  ['twinVault', 'earnings()', '0x95d643a8', 'twinEarnings'],
];

// The Chainlink feeds a network's entry names under `chainlink`, and the variables Deploy.s.sol
// reads them from. Where a feed is not named, Deploy.s.sol publishes its own.
const CHAINLINK_ENV = {
  ethUsdFeed: 'HASHTWIN_ETH_USD_FEED',
  btcUsdFeed: 'HASHTWIN_BTC_USD_FEED',
  sequencerUptimeFeed: 'HASHTWIN_SEQUENCER_UPTIME_FEED',
};

const USAGE = `usage: scripts/deploy <network> [--account <name> | --keystore <file>] [--networks <file>]

  <network>            a name or chain id from networks.json: sepolia, base-sepolia, 11155111, 84532
  --account <name>     the encrypted keystore ~/.foundry/keystores/<name> (cast wallet import <name> --interactive)
  --keystore <file>    an encrypted keystore by path
  --networks <file>    the networks.json to read and write (default public/networks.json; env HASHTWIN_NETWORKS)

environment:
  HASHTWIN_DEPLOYER_KEY            the deployer's private key (0x + 64 hex), instead of a keystore
  HASHTWIN_KEYSTORE_PASSWORD_FILE  a file holding the keystore's password; without it forge asks on the terminal
  HASHTWIN_RPC_URL                 the RPC endpoint, instead of the network's rpcUrl in networks.json
  HASHTWIN_OWNER, HASHTWIN_TREASURY, HASHTWIN_FEE_BPS, HASHTWIN_MIN_BITS, HASHTWIN_PRICE_MAX_AGE
                                   the contracts' owner, treasury, fee, share difficulty and the oldest
                                   ETH/USD price a settlement may use (see Deploy.s.sol)

The Chainlink feeds (ETH/USD, BTC/USD, an L2's sequencer uptime) come from the network's "chainlink"
entry in networks.json; a feed it does not name is published by the deployment's owner instead.`;

class Refusal extends Error {}

function parseArgs(argv) {
  const options = { network: null, account: null, keystore: null, networks: process.env.HASHTWIN_NETWORKS || null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Refusal(`${arg} needs a value\n\n${USAGE}`);
      return next;
    };
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--account') options.account = value();
    else if (arg === '--keystore') options.keystore = value();
    else if (arg === '--networks') options.networks = value();
    else if (arg === '--private-key' || arg === '--private-keys' || arg === '--mnemonic') {
      throw new Refusal(`${arg}: a key on the command line is visible to every user of this machine (ps); use a keystore or HASHTWIN_DEPLOYER_KEY`);
    } else if (arg.startsWith('-')) throw new Refusal(`unknown option ${arg}\n\n${USAGE}`);
    else if (options.network === null) options.network = arg;
    else throw new Refusal(`one network at a time, not also "${arg}"\n\n${USAGE}`);
  }
  if (options.network === null) throw new Refusal(`which network?\n\n${USAGE}`);
  options.networks = resolve(options.networks ?? join(ROOT, 'public', 'networks.json'));
  return options;
}

const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function findNetwork(config, wanted) {
  const network = /^\d+$/.test(wanted)
    ? config.networks.find((candidate) => candidate.chainId === Number(wanted))
    : config.networks.find((candidate) => slug(candidate.name) === slug(wanted));
  if (!network) {
    const known = config.networks.map((candidate) => `${slug(candidate.name)} (${candidate.chainId})`).join(', ');
    throw new Refusal(`unknown network "${wanted}": networks.json lists ${known}`);
  }
  return network;
}

/** Which key signs, as forge arguments and environment; refuses when there is none or two. */
function signer(options) {
  const envKey = process.env.HASHTWIN_DEPLOYER_KEY ?? '';
  if (options.account && options.keystore) throw new Refusal('give --account or --keystore, not both');
  let keystore = options.keystore && resolve(options.keystore);
  if (options.account) keystore = join(homedir(), '.foundry', 'keystores', options.account);
  if (keystore && envKey) {
    throw new Refusal('both a keystore and HASHTWIN_DEPLOYER_KEY are set: say which key deploys by unsetting one');
  }
  if (envKey) {
    // The value is never echoed: a mistyped key is still most of a key.
    if (!/^0x[0-9a-fA-F]{64}$/.test(envKey)) throw new Refusal('HASHTWIN_DEPLOYER_KEY is not a private key (0x and 64 hex digits)');
    return { describe: 'the key in HASHTWIN_DEPLOYER_KEY', args: [], env: {} };
  }
  if (!keystore) {
    throw new Refusal(
      'no deployer key configured: pass --account <name> (a keystore made with `cast wallet import <name> --interactive`), ' +
        '--keystore <file>, or set HASHTWIN_DEPLOYER_KEY',
    );
  }
  if (!existsSync(keystore)) throw new Refusal(`no keystore at ${keystore}`);
  const passwordFile = process.env.HASHTWIN_KEYSTORE_PASSWORD_FILE;
  const env = {};
  if (passwordFile) {
    if (!existsSync(passwordFile)) throw new Refusal(`HASHTWIN_KEYSTORE_PASSWORD_FILE names ${passwordFile}, which does not exist`);
    env.ETH_PASSWORD = resolve(passwordFile);
  } else if (!process.stdin.isTTY) {
    // Without a terminal forge cannot ask, and then quietly deploys from its default sender instead.
    throw new Refusal('the keystore needs its password: set HASHTWIN_KEYSTORE_PASSWORD_FILE, or run this on a terminal to be asked');
  }
  return { describe: `the keystore ${keystore}`, args: ['--keystore', keystore], env };
}

async function rpc(url, method, params = []) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Refusal(`the RPC endpoint ${redact(url)} is unreachable (${error.cause?.message ?? error.message})`);
  }
  if (!response.ok) throw new Refusal(`the RPC endpoint ${redact(url)} answered ${method} with HTTP ${response.status}`);
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** An RPC URL without its path and query, where providers put API keys. */
function redact(url) {
  try {
    const parsed = new URL(url);
    return parsed.pathname.length > 1 || parsed.search ? `${parsed.origin}/…` : parsed.origin;
  } catch {
    return '(not a URL)';
  }
}

function runForge(args, env) {
  return new Promise((resolvePromise, reject) => {
    // The terminal is forge's own, so that it can ask for the keystore password.
    const forge = spawn(FORGE, args, { cwd: CONTRACTS, env, stdio: 'inherit' });
    forge.on('error', reject);
    forge.on('exit', (code, signal) => resolvePromise({ code, signal }));
  });
}

/** The broadcast record of this run, checked to be this run's and complete. forge 1.7.1 exits 0
 * even when the script reverts or nothing is broadcast, so its exit code alone proves nothing. */
function readRecord(chainId, started) {
  const broadcastDir = process.env.FOUNDRY_BROADCAST
    ? resolve(CONTRACTS, process.env.FOUNDRY_BROADCAST)
    : join(CONTRACTS, 'broadcast');
  const path = join(broadcastDir, 'Deploy.s.sol', String(chainId), 'run-latest.json');
  if (!existsSync(path) || statSync(path).mtimeMs < started) {
    throw new Error('forge broadcast nothing (its output above says why)');
  }
  const record = JSON.parse(readFileSync(path, 'utf8'));
  const senders = new Set(record.transactions.map((tx) => tx.transaction.from.toLowerCase()));
  if (senders.has(FORGE_DEFAULT_SENDER)) throw new Error('forge signed with its default sender: the keystore was not opened');
  const failed = record.receipts.filter((receipt) => receipt.status !== '0x1');
  if (record.receipts.length !== record.transactions.length || failed.length || record.pending?.length) {
    throw new Error(
      `the deployment is incomplete: ${record.receipts.length} receipts for ${record.transactions.length} transactions, ` +
        `${failed.length} failed, ${record.pending?.length ?? 0} pending; see ${path} (forge script --resume continues it)`,
    );
  }
  return { record, path, deployer: [...senders][0] };
}

/** Every address has code and the contracts point at each other, as Deploy.s.sol wires them. */
async function verify(rpcUrl, contracts) {
  for (const name of ['twinRegistry', 'twinMarket', 'hashLedger', 'twinLens', 'twinEarnings', 'twinVault']) {
    if (!/^0x[0-9a-f]{40}$/.test(contracts[name] ?? '')) throw new Error(`the broadcast record has no ${name}`);
    const code = await rpc(rpcUrl, 'eth_getCode', [contracts[name], 'latest']);
    if (code === '0x') throw new Error(`no code at ${name} ${contracts[name]}`);
  }
  for (const [from, signature, selector, expected] of WIRING) {
    const word = await rpc(rpcUrl, 'eth_call', [{ to: contracts[from], data: selector }, 'latest']);
    const actual = `0x${word.slice(-40)}`.toLowerCase();
    if (actual !== contracts[expected]) throw new Error(`${from}.${signature} is ${actual}, not ${expected} ${contracts[expected]}`);
  }
}

/** Writes `contracts` into the network's entry, re-reading the file first so that edits made while
 * the deployment ran are kept; replaced atomically, so that a reader never sees half a file. */
function writeEntry(path, chainId, contracts) {
  const config = JSON.parse(readFileSync(path, 'utf8'));
  const entry = config.networks.find((network) => network.chainId === chainId);
  if (!entry) throw new Error(`${path} no longer lists chain ${chainId}`);
  entry.contracts = contracts;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(config, null, 2) + '\n');
  renameSync(temporary, path);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(options.networks)) throw new Refusal(`no networks file at ${options.networks}`);
  const config = JSON.parse(readFileSync(options.networks, 'utf8'));
  const network = findNetwork(config, options.network);
  const key = signer(options);
  const rpcUrl = process.env.HASHTWIN_RPC_URL || network.rpcUrl;
  if (!rpcUrl) throw new Refusal(`networks.json has no rpcUrl for ${network.name}; set HASHTWIN_RPC_URL`);

  const remoteChainId = Number(await rpc(rpcUrl, 'eth_chainId'));
  if (remoteChainId !== network.chainId) {
    throw new Refusal(
      `the RPC endpoint ${redact(rpcUrl)} serves chain ${remoteChainId}, not ${network.name} (${network.chainId})`,
    );
  }
  if (network.contracts) {
    console.log(`deploy: ${network.name} has a deployment (registry ${network.contracts.twinRegistry}); it will be replaced`);
  }
  console.log(`deploy: ${network.name} (chain ${network.chainId}) through ${redact(rpcUrl)}, signed with ${key.describe}`);

  const chainlink = network.chainlink ?? {};
  const feedEnv = Object.fromEntries(
    Object.entries(CHAINLINK_ENV).map(([name, variable]) => [variable, chainlink[name] ?? '']),
  );
  const env = { ...process.env, ...key.env, ...feedEnv, FOUNDRY_ETH_RPC_URL: rpcUrl };
  // Only the wallet chosen above may reach forge: another one from the caller's environment would
  // make forge pick among two.
  for (const name of ['ETH_KEYSTORE', 'ETH_KEYSTORE_ACCOUNT', 'ETH_RPC_URL']) delete env[name];
  if (!key.env.ETH_PASSWORD) delete env.ETH_PASSWORD;

  const started = Date.now();
  // The RPC URL goes by environment too: providers put API keys in it.
  const { code, signal } = await runForge(['script', 'script/Deploy.s.sol', '--broadcast', '--slow', ...key.args], env);
  if (code !== 0) throw new Error(`forge script ended with ${signal ?? `exit code ${code}`}`);
  const { record, path, deployer } = readRecord(network.chainId, started);
  const contracts = deployedContracts(record, chainlink);
  await verify(rpcUrl, contracts);
  writeEntry(options.networks, network.chainId, contracts);

  console.log(`deploy: from ${deployer}, first block ${contracts.deploymentBlock}`);
  for (const [name, address] of Object.entries(contracts)) {
    if (name !== 'deploymentBlock') console.log(`  ${name.padEnd(14)} ${address}`);
  }
  console.log(`deploy: wrote ${network.name}'s contracts into ${options.networks}; transactions in ${path}`);
}

main().catch((error) => {
  console.error(`deploy: ${error instanceof Refusal ? 'refused: ' : 'failed: '}${error.message}`);
  process.exit(error instanceof Refusal ? 2 : 1);
});
