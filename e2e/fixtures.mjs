import { test as base, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import headlessWeb3Provider from 'headless-web3-provider';
import { ANVIL_KEYS, CHAIN_ID, ROOT, rpc } from '../scripts/lib/localchain.mjs';
import { INDEXER_PORT, WITH_INDEXER } from './global-setup.mjs';
import { startIndexer } from './indexer.mjs';

export { expect };
// The package is CommonJS with exports Node cannot list statically: take them from its default.
const { injectHeadlessWeb3Provider, Web3RequestKind } = headlessWeb3Provider;
export { Web3RequestKind };

const CAST = join(ROOT, 'node_modules', '@foundry-rs', 'cast-linux-amd64', 'bin', 'cast');
const FORGE = join(ROOT, 'node_modules', '@foundry-rs', 'forge-linux-amd64', 'bin', 'forge');
const run = promisify(execFile);

/** anvil's dev accounts 0-9, EIP-55 spelled, as a user would paste them. */
export const ANVIL_ADDRESSES = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
  '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
  '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
  '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
  '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
];

const MINT = 'mint((string,string,string,uint64,uint32,string,uint64),address,uint96,(uint16,uint32,uint32,uint32),bytes32)';
/** The mint form's default earning terms, as cast's tuple: 10% fee, $0.065/kWh, daily, 6 h grace. */
export const DEFAULT_TERMS = '(1000,65000,86400,21600)';

export const test = base.extend({
  // One indexer for the run's single worker, in the pass that has one.
  indexer: [
    async ({}, use) => {
      if (!WITH_INDEXER) return use(null);
      const indexer = await startIndexer({ port: INDEXER_PORT, networks: process.env.E2E_NETWORKS, rpcUrl: process.env.E2E_RPC_URL });
      await use(indexer);
      await indexer.stop();
    },
    // Indexing the seeded month from scratch takes Ponder about 35 s on this machine's two cores:
    // more than a test's own 30 s, which a fixture shares unless it has a timeout of its own.
    { scope: 'worker', timeout: 300_000 },
  ],

  // Every test starts from the freshly seeded chain.
  chain: [
    async ({ indexer }, use) => {
      const url = process.env.E2E_RPC_URL;
      const base = Number(await rpc(url, 'eth_blockNumber'));
      const snapshot = await rpc(url, 'evm_snapshot');
      const twinRegistry = process.env.E2E_TWIN_REGISTRY;
      /** `cast send` from anvil account `account`. */
      const send = (account, to, signature, ...args) =>
        run(CAST, ['send', '--rpc-url', url, '--private-key', ANVIL_KEYS[account], to, signature, ...args]);
      /** `cast call`: a view function's result, as cast prints it. */
      const call = async (to, signature, ...args) =>
        (await run(CAST, ['call', '--rpc-url', url, to, signature, ...args])).stdout.trim();
      await use({
        url,
        twinRegistry,
        twinMarket: process.env.E2E_TWIN_MARKET,
        hashLedger: process.env.E2E_HASH_LEDGER,
        twinEarnings: process.env.E2E_TWIN_EARNINGS,
        twinVault: process.env.E2E_TWIN_VAULT,
        ensRegistry: process.env.E2E_ENS_REGISTRY,
        /** The latest block's time: the clock telemetry and settlements are judged by. */
        now: async () => Number((await rpc(url, 'eth_getBlockByNumber', ['latest', false])).timestamp),
        send,
        call,
        /** A new block, as anvil mines one only for a transaction otherwise. */
        mine: () => rpc(url, 'evm_mine'),
        /** Moves the chain's clock `seconds` on, from the next block. */
        increaseTime: (seconds) => rpc(url, 'evm_increaseTime', [seconds]),
        /**
         * Registers a rig from `account` as the registry wants it: a commitment, then the reveal in
         * the next block (anvil mines one per transaction). `rig` and `terms` are cast's tuple text,
         * serial included; the terms are the mint form's defaults unless given.
         */
        /** Mints `count` more twins from account 1 with contracts/script/BenchTwins.s.sol, as the
         * gallery benchmark does: enough of them to need a second page takes one forge run, not
         * dozens of casts. Their serials (BENCH-1000 on) cannot clash with the seeded ones. */
        addTwins: (count) =>
          run(FORGE, ['script', 'script/BenchTwins.s.sol', '--rpc-url', url, '--broadcast', '--skip-simulation'], {
            cwd: join(ROOT, 'contracts'),
            env: { ...process.env, TWIN_REGISTRY: twinRegistry, BENCH_TWINS: String(count), BENCH_FIRST: '1000' },
            maxBuffer: 16 * 1024 * 1024,
          }),
        mintTwin: async (account, rig, serial, reporter, royaltyBps, terms = DEFAULT_TERMS) => {
          const salt = `0x${randomBytes(32).toString('hex')}`;
          const commitment = await call(twinRegistry, 'mintCommitment(string,address,bytes32)(bytes32)', serial, ANVIL_ADDRESSES[account], salt);
          await send(account, twinRegistry, 'commitMint(bytes32)', commitment);
          await send(account, twinRegistry, MINT, rig, reporter, royaltyBps, terms, salt);
        },
      });
      const head = Number(await rpc(url, 'eth_blockNumber'));
      await rpc(url, 'evm_revert', [snapshot]);
      await indexer?.follow({ base, head });
    },
    // A test that mined past the indexer's reorganisation window restarts it, which takes as long
    // as indexing the seeded month.
    { auto: true, timeout: 300_000 },
  ],

  // The page's uncaught errors fail the test: a panic in the wasm shows up here first.
  page: async ({ page }, use) => {
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // A wasm panic aborts with a bare "unreachable"; the panic hook logged where, just before.
    const panics = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('panicked')) panics.push(message.text());
    });
    await use(page);
    expect(errors, `uncaught errors in the page${panics.length ? `\n${panics.join('\n')}` : ''}`).toEqual([]);
  },

  /** Gives the page an injected EIP-1193 wallet signing with anvil account `account`. */
  wallet: async ({ page, chain }, use) => {
    await use(async (account = 0, { chainId = CHAIN_ID, batchCalls = false, ...config } = {}) => {
      const provider = await injectWallet(page, account, chainId, chain.url, config);
      if (batchCalls) await addBatchCalls(page, chainId);
      return provider;
    });
  },
});

/**
 * headless-web3-provider, made to fail as MetaMask does. Its errors reach the page through a
 * Playwright binding that keeps only the message, so the EIP-1193 code is put back from it; and it
 * answers a switch to an unknown chain with 4901 where MetaMask answers 4902.
 */
export async function injectWallet(page, account, chainId, rpcUrl, config = {}) {
  const provider = await injectHeadlessWeb3Provider(page, [ANVIL_KEYS[account]], chainId, rpcUrl, config);
  await page.addInitScript(() => {
    const codes = {
      'The user rejected the request.': 4001,
      'The requested method and/or account has not been authorized by the user.': 4100,
      'The Provider does not support the requested method.': 4200,
      'The Provider is not connected to the requested chain.': 4902,
    };
    const send = window.__injectedHeadlessWeb3ProviderRequest;
    window.__injectedHeadlessWeb3ProviderRequest = (...args) =>
      send(...args).catch((error) => {
        const code = codes[error?.message];
        throw code === undefined ? error : Object.assign(new Error(error.message), { code });
      });
  });
  return provider;
}

/**
 * The part of an EIP-5792 wallet the headless one lacks: it says it batches calls atomically on
 * the chain, and sends a batch's calls as transactions in order (each still authorised by the test,
 * where a user confirms the batch once), answering `wallet_getCallsStatus` from their receipts.
 * `window.__sentCalls` lists the size of each batch the page sent, for the test to check.
 */
async function addBatchCalls(page, chainId) {
  await page.addInitScript((chainHex) => {
    const send = window.__injectedHeadlessWeb3ProviderRequest;
    const request = (method, params) => send('request', { method, params });
    const batches = new Map();
    window.__sentCalls = [];
    window.__injectedHeadlessWeb3ProviderRequest = async (name, ...args) => {
      const { method, params } = name === 'request' ? args[0] : {};
      if (method === 'wallet_getCapabilities') return { [chainHex]: { atomic: { status: 'supported' } } };
      if (method === 'wallet_sendCalls') {
        const [{ from, calls }] = params;
        window.__sentCalls.push(calls.length);
        const id = `0x${(batches.size + 1).toString(16).padStart(64, '0')}`;
        const hashes = [];
        for (const call of calls) hashes.push(await request('eth_sendTransaction', [{ from, to: call.to, data: call.data, value: call.value }]));
        batches.set(id, hashes);
        return { id };
      }
      if (method === 'wallet_getCallsStatus') {
        const hashes = batches.get(params[0]);
        if (!hashes) throw Object.assign(new Error('Unknown bundle id.'), { code: 5730 });
        const receipts = await Promise.all(hashes.map((hash) => request('eth_getTransactionReceipt', [hash])));
        const base = { version: '2.0.0', id: params[0], chainId: chainHex, atomic: true };
        if (receipts.some((receipt) => !receipt)) return { ...base, status: 100 };
        return { ...base, status: receipts.every((receipt) => receipt.status === '0x1') ? 200 : 500, receipts };
      }
      return send(name, ...args);
    };
  }, `0x${chainId.toString(16)}`);
}

/** Connects the injected wallet on `path` and waits for the account to show. */
export async function connect(page, provider, path) {
  await page.goto(path);
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toBeVisible();
}

/** Presses a transaction button, checks the fee is shown first, and approves it in the wallet. */
export async function transact(page, provider, buttonName, doneLabel) {
  await page.getByRole('button', { name: buttonName, exact: true }).click();
  await expect(page.getByTestId('fee')).toBeVisible();
  expect(provider.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('toast').filter({ hasText: `${doneLabel}: done` })).toBeVisible();
}

/**
 * Keeps the page's view of the chain where it is: its block poll keeps answering the current head,
 * so nothing it shows refreshes, as in a tab left open while others transact. Everything else,
 * the fee estimate and the receipt included, still reaches the node. Returns the undo.
 */
export async function freezeHead(page, chain) {
  const head = await rpc(chain.url, 'eth_getBlockByNumber', ['latest', false]);
  const port = new URL(chain.url).port;
  const rpcRequests = (url) => url.port === port;
  const asksLatest = (call) => call.method === 'eth_blockNumber' || (call.method === 'eth_getBlockByNumber' && call.params[0] === 'latest');
  const frozen = (call) => (call.method === 'eth_blockNumber' ? head.number : head);
  await page.route(rpcRequests, async (route) => {
    const body = route.request().method() === 'POST' ? JSON.parse(route.request().postData() ?? '{}') : {};
    const calls = [body].flat();
    if (!calls.some(asksLatest)) {
      await route.continue();
      return;
    }
    const response = await route.fetch();
    const answers = [await response.json()].flat();
    const patched = answers.map((answer) => {
      const call = calls.find((candidate) => candidate.id === answer.id);
      return call && asksLatest(call) ? { ...answer, result: frozen(call) } : answer;
    });
    await route.fulfill({ response, json: Array.isArray(body) ? patched : patched[0] });
  });
  return () => page.unroute(rpcRequests);
}
