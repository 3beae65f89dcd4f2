// The rehearsal of scripts/deploy that scripts/test runs: a fresh anvil on a free port standing in for
// Sepolia (chain 11155111), a throwaway encrypted keystore of one of anvil's dev keys, and a copy of
// public/networks.json. It checks that the script refuses what it must before touching anything,
// deploys with a keystore and then with HASHTWIN_DEPLOYER_KEY, and that each time the written entry
// names contracts that are on chain, wired to each other, first deployed at its deploymentBlock, with
// every other network untouched, and that no process's command line ever held the key.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ANVIL_KEYS, freePort, ROOT, rpc, startAnvil } from './localchain.mjs';

const SEPOLIA = 11155111;
const DEPLOY = join(ROOT, 'scripts', 'deploy');
const CAST = join(ROOT, 'node_modules', '@foundry-rs', 'cast-linux-amd64', 'bin', 'cast');
// The mnemonic anvil derives its dev accounts from; public, like the keys in localchain.mjs.
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
const KEYSTORE_ACCOUNT = 3;
const ENV_ACCOUNT = 4;
const PASSWORD = 'rehearsal-only-password';
// `cast sig` of the views the wiring is checked by.
const SELECTOR = {
  twins: '0xd630c479',
  registry: '0x7b103999',
  market: '0x80f55605',
  ledger: '0x56397c35',
  owner: '0x8da5cb5b',
  ethUsdFeed: '0x8009b7bd',
  btcUsdFeed: '0xd310d14d',
  difficultyFeed: '0x0110a8b8',
  blockFeesFeed: '0x5d415ea5',
  vault: '0xfbfa77cf',
  earnings: '0x95d643a8',
};

// A deployment to anvil takes seconds; a compile from scratch some 30 s more.
const DEPLOY_TIMEOUT_MS = 120_000;
// Process groups of scripts/deploy runs still going, stopped by their PID if the rehearsal is interrupted.
const running = new Set();

const started = Date.now();
const log = (line) => console.log(`rehearsal: ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Every process this user can see, as `ps` reads them from /proc: its parent and command line. */
function processes() {
  const table = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(pid), { ppid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return table;
}

function descendantsOf(root, table) {
  const found = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { ppid }] of table) {
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return found;
}

/** Runs scripts/deploy with `args` and `env`, sampling every process's command line every 25 ms
 * while it runs. Resolves to its exit code, its output, every command line seen on the machine, and
 * those of the deploy's own processes. */
function runDeploy(args, env) {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a run that hangs is stopped with everything it started.
    const child = spawn(DEPLOY, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child.pid);
    const deadline = setTimeout(() => {
      output += `\nrehearsal: scripts/deploy still ran after ${DEPLOY_TIMEOUT_MS / 1000} s; stopped`;
      process.kill(-child.pid, 'SIGTERM');
    }, DEPLOY_TIMEOUT_MS);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const seen = new Set();
    const own = new Set();
    const sample = () => {
      const table = processes();
      for (const { cmdline } of table.values()) seen.add(cmdline);
      for (const pid of descendantsOf(child.pid, table)) if (table.has(pid)) own.add(table.get(pid).cmdline);
    };
    const sampler = setInterval(sample, 25);
    sample();
    const done = () => {
      clearInterval(sampler);
      clearTimeout(deadline);
      running.delete(child.pid);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('exit', (code) => {
      done();
      resolve({ code, output, commandLines: [...seen], ownCommandLines: [...own] });
    });
  });
}

/** The secret must be nowhere a user of the machine could read it: no command line, no output. */
function assertKeyKept(run, secrets, what) {
  const needles = secrets.map((secret) => secret.replace(/^0x/, '').toLowerCase());
  const leaked = run.commandLines.filter((line) => needles.some((needle) => line.toLowerCase().includes(needle)));
  assert(leaked.length === 0, `${what}: a command line held the key or password: ${leaked.length} process(es)`);
  assert(!needles.some((needle) => run.output.toLowerCase().includes(needle)), `${what}: the output shows the key or password`);
  // The sampler must have seen forge itself, or its silence proves nothing.
  assert(run.ownCommandLines.some((line) => /forge script script\/Deploy\.s\.sol/.test(line)), `${what}: forge was never seen running`);
}

async function refuses(what, args, env, expected, networksPath, original) {
  const run = await runDeploy(args, env);
  assert(run.code === 2, `${what}: exit code ${run.code}, not 2 (a refusal); output:\n${run.output}`);
  assert(expected.test(run.output), `${what}: the refusal does not say ${expected}; output:\n${run.output}`);
  assert(readFileSync(networksPath, 'utf8') === original, `${what}: networks.json was changed by a refused run`);
  assert(!run.ownCommandLines.some((line) => line.includes('forge script')), `${what}: forge ran before the refusal`);
  log(`refused ${what}: ${run.output.trim().split('\n').pop()}`);
}

async function call(url, to, selector) {
  return rpc(url, 'eth_call', [{ to, data: selector }, 'latest']);
}
const addressOf = (word) => `0x${word.slice(-40)}`.toLowerCase();

/** The entry that `before` became in `after`: every other network and field as it was; the
 * contracts on chain, wired, first deployed at deploymentBlock, owned by `deployer`. */
async function verifyEntry(url, before, after, deployer, firstFreeBlock) {
  const strip = (config) => ({
    ...config,
    networks: config.networks.map((network) =>
      network.chainId === SEPOLIA ? { ...network, contracts: undefined } : network,
    ),
  });
  assert(
    JSON.stringify(strip(after)) === JSON.stringify(strip(before)),
    'networks.json changed outside the Sepolia entry\'s contracts',
  );
  const entry = after.networks.find((network) => network.chainId === SEPOLIA);
  const contracts = entry.contracts;
  assert(
    JSON.stringify(Object.keys(contracts)) ===
      JSON.stringify([
        'twinRegistry',
        'twinMarket',
        'hashLedger',
        'twinLens',
        'twinEarnings',
        'twinVault',
        'ethUsdFeed',
        'btcUsdFeed',
        'difficultyFeed',
        'blockFeesFeed',
        'deploymentBlock',
      ]),
    `the entry's contracts are ${Object.keys(contracts)}`,
  );
  // Chainlink's feeds are named by the entry, not deployed: on this stand-in for Sepolia they have no code.
  assert(contracts.ethUsdFeed === entry.chainlink.ethUsdFeed.toLowerCase(), 'ethUsdFeed is not the entry\'s Chainlink feed');
  assert(contracts.btcUsdFeed === entry.chainlink.btcUsdFeed.toLowerCase(), 'btcUsdFeed is not the entry\'s Chainlink feed');
  for (const name of ['twinRegistry', 'twinMarket', 'hashLedger', 'twinLens', 'twinEarnings', 'twinVault', 'difficultyFeed', 'blockFeesFeed']) {
    assert(/^0x[0-9a-f]{40}$/.test(contracts[name]), `${name} is not an address: ${contracts[name]}`);
    assert((await rpc(url, 'eth_getCode', [contracts[name], 'latest'])) !== '0x', `no code at ${name}`);
  }
  const { twinRegistry: registry, twinMarket: market, hashLedger: ledger, twinLens: lens } = contracts;
  assert(addressOf(await call(url, market, SELECTOR.twins)) === registry, 'market.twins() is not the registry');
  assert(addressOf(await call(url, ledger, SELECTOR.twins)) === registry, 'ledger.twins() is not the registry');
  assert(addressOf(await call(url, lens, SELECTOR.registry)) === registry, 'lens.registry() is not the registry');
  assert(addressOf(await call(url, lens, SELECTOR.market)) === market, 'lens.market() is not the market');
  assert(addressOf(await call(url, lens, SELECTOR.ledger)) === ledger, 'lens.ledger() is not the ledger');
  assert(addressOf(await call(url, market, SELECTOR.owner)) === deployer, 'the market is not owned by the deployer');
  assert(addressOf(await call(url, ledger, SELECTOR.owner)) === deployer, 'the ledger is not owned by the deployer');
  const earnings = contracts.twinEarnings;
  assert(addressOf(await call(url, earnings, SELECTOR.registry)) === registry, 'earnings.registry() is not the registry');
  for (const feed of ['ethUsdFeed', 'btcUsdFeed', 'difficultyFeed', 'blockFeesFeed']) {
    assert(addressOf(await call(url, earnings, SELECTOR[feed])) === contracts[feed], `earnings.${feed}() is not the entry's`);
  }
  const vault = contracts.twinVault;
  for (const [name, address] of [['earnings', earnings], ['market', market], ['lens', lens]]) {
    assert(addressOf(await call(url, address, SELECTOR.vault)) === vault, `${name}.vault() is not the vault`);
  }
  assert(addressOf(await call(url, vault, SELECTOR.registry)) === registry, 'vault.registry() is not the registry');
  assert(addressOf(await call(url, vault, SELECTOR.earnings)) === earnings, 'vault.earnings() is not TwinEarnings');
  for (const feed of ['difficultyFeed', 'blockFeesFeed']) {
    assert(addressOf(await call(url, contracts[feed], SELECTOR.owner)) === deployer, `${feed} is not published by the deployer`);
  }

  const block = contracts.deploymentBlock;
  assert(Number.isInteger(block) && block === firstFreeBlock, `deploymentBlock ${block}, not ${firstFreeBlock}, the first block after what came before`);
  const before1 = `0x${(block - 1).toString(16)}`;
  assert((await rpc(url, 'eth_getCode', [registry, before1])) === '0x', 'the registry existed before deploymentBlock');
  return contracts;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'hashtwin-deploy-rehearsal-'));
  let anvil;
  // Interrupted, the anvil this started goes too, by its PID.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.on(signal, () => {
      for (const pid of running) process.kill(-pid, 'SIGTERM');
      anvil?.stop();
      rmSync(work, { recursive: true, force: true });
      process.exit(code);
    });
  }
  try {
    const port = await freePort();
    anvil = await startAnvil({ port, chainId: SEPOLIA, log });
    const networksPath = join(work, 'networks.json');
    copyFileSync(join(ROOT, 'public', 'networks.json'), networksPath);
    const original = readFileSync(networksPath, 'utf8');
    const broadcast = join(work, 'broadcast');

    // The keystore is made from the mnemonic in a file, so that no key is on this command line either.
    const mnemonic = join(work, 'mnemonic');
    const passwordFile = join(work, 'password');
    writeFileSync(mnemonic, `${ANVIL_MNEMONIC}\n`, { mode: 0o600 });
    writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
    const keys = join(work, 'keystores');
    await promisify(execFile)(
      CAST,
      ['wallet', 'import', 'rehearsal', '--keystore-dir', keys, '--mnemonic', mnemonic, '--mnemonic-index', String(KEYSTORE_ACCOUNT)],
      { env: { ...process.env, CAST_UNSAFE_PASSWORD: PASSWORD } },
    );
    const keystore = join(keys, 'rehearsal');
    assert(existsSync(keystore), 'cast wallet import wrote no keystore');
    const [keystoreDeployer, envDeployer] = await rpc(anvil.url, 'eth_accounts').then((accounts) =>
      [accounts[KEYSTORE_ACCOUNT], accounts[ENV_ACCOUNT]].map((account) => account.toLowerCase()),
    );

    // A stray key in the caller's environment must not leak into the keystore runs.
    const base = { HASHTWIN_NETWORKS: networksPath, FOUNDRY_BROADCAST: broadcast, HASHTWIN_DEPLOYER_KEY: '', HASHTWIN_KEYSTORE_PASSWORD_FILE: '' };
    const atAnvil = { ...base, HASHTWIN_RPC_URL: anvil.url };
    const withKeystore = { ...atAnvil, HASHTWIN_KEYSTORE_PASSWORD_FILE: passwordFile };
    const closedPort = await freePort();

    await refuses('an unknown network', ['nowhere', '--keystore', keystore], withKeystore, /unknown network "nowhere"/, networksPath, original);
    await refuses('no key', ['sepolia'], atAnvil, /no deployer key configured/, networksPath, original);
    await refuses('a keystore without a password or a terminal', ['sepolia', '--keystore', keystore], atAnvil, /needs its password/, networksPath, original);
    await refuses('a key and a keystore at once', ['sepolia', '--keystore', keystore], { ...withKeystore, HASHTWIN_DEPLOYER_KEY: ANVIL_KEYS[ENV_ACCOUNT] }, /both a keystore and HASHTWIN_DEPLOYER_KEY/, networksPath, original);
    await refuses('a key on the command line', ['sepolia', '--private-key', '0x01'], atAnvil, /--private-key: a key on the command line/, networksPath, original);
    await refuses('an unreachable RPC', ['sepolia', '--keystore', keystore], { ...withKeystore, HASHTWIN_RPC_URL: `http://127.0.0.1:${closedPort}` }, /unreachable/, networksPath, original);
    await refuses('an RPC of another chain', ['base-sepolia', '--keystore', keystore], withKeystore, /serves chain 11155111, not Base Sepolia \(84532\)/, networksPath, original);

    // 1. The encrypted keystore, its password from a file.
    const keystoreRun = await runDeploy(['sepolia', '--keystore', keystore], withKeystore);
    assert(keystoreRun.code === 0, `scripts/deploy with a keystore failed (${keystoreRun.code}):\n${keystoreRun.output}`);
    assertKeyKept(keystoreRun, [ANVIL_KEYS[KEYSTORE_ACCOUNT], PASSWORD], 'keystore');
    const first = await verifyEntry(anvil.url, JSON.parse(original), JSON.parse(readFileSync(networksPath, 'utf8')), keystoreDeployer, 1);
    log(`deployed with a keystore from ${keystoreDeployer}: registry ${first.twinRegistry}, lens ${first.twinLens}, block ${first.deploymentBlock}`);

    // 2. The key in HASHTWIN_DEPLOYER_KEY, by chain id, over the entry the first run wrote.
    const afterFirst = readFileSync(networksPath, 'utf8');
    const nextBlock = Number(await rpc(anvil.url, 'eth_blockNumber')) + 1;
    const envRun = await runDeploy([String(SEPOLIA)], { ...atAnvil, HASHTWIN_DEPLOYER_KEY: ANVIL_KEYS[ENV_ACCOUNT] });
    assert(envRun.code === 0, `scripts/deploy with HASHTWIN_DEPLOYER_KEY failed (${envRun.code}):\n${envRun.output}`);
    assertKeyKept(envRun, [ANVIL_KEYS[ENV_ACCOUNT]], 'environment key');
    const second = await verifyEntry(anvil.url, JSON.parse(afterFirst), JSON.parse(readFileSync(networksPath, 'utf8')), envDeployer, nextBlock);
    assert(second.twinRegistry !== first.twinRegistry, 'the second deployment did not replace the first');
    log(`deployed with HASHTWIN_DEPLOYER_KEY from ${envDeployer}: registry ${second.twinRegistry}, block ${second.deploymentBlock}`);

    // forge keeps the RPC URL of a run apart, under cache/: neither it nor the record holds a key.
    const sensitive = join(ROOT, 'contracts', 'cache', 'Deploy.s.sol', String(SEPOLIA), 'run-latest.json');
    const records = readdirSync(broadcast, { recursive: true }).map((file) => join(broadcast, file));
    for (const path of [...records, sensitive]) {
      if (!path.endsWith('.json')) continue;
      const text = readFileSync(path, 'utf8').toLowerCase();
      assert(![ANVIL_KEYS[KEYSTORE_ACCOUNT], ANVIL_KEYS[ENV_ACCOUNT]].some((key) => text.includes(key.slice(2))), `${path} holds a key`);
    }
    log('passed');
  } finally {
    anvil?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`rehearsal: ${error.message}`);
  process.exitCode = 1;
});
