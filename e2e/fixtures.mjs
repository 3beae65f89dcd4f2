import { test as base, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import headlessWeb3Provider from 'headless-web3-provider';
import { ANVIL_KEYS, CHAIN_ID, ROOT, rpc } from '../scripts/lib/localchain.mjs';

export { expect };
// The package is CommonJS with exports Node cannot list statically: take them from its default.
const { injectHeadlessWeb3Provider, Web3RequestKind } = headlessWeb3Provider;
export { Web3RequestKind };

const CAST = join(ROOT, 'node_modules', '@foundry-rs', 'cast-linux-amd64', 'bin', 'cast');
const run = promisify(execFile);

export const test = base.extend({
  // Every test starts from the freshly seeded chain.
  chain: [
    async ({}, use) => {
      const url = process.env.E2E_RPC_URL;
      const snapshot = await rpc(url, 'evm_snapshot');
      await use({
        url,
        twinRegistry: process.env.E2E_TWIN_REGISTRY,
        twinMarket: process.env.E2E_TWIN_MARKET,
        hashLedger: process.env.E2E_HASH_LEDGER,
        /** `cast send` from anvil account `account`. */
        send: (account, to, signature, ...args) =>
          run(CAST, ['send', '--rpc-url', url, '--private-key', ANVIL_KEYS[account], to, signature, ...args]),
        /** `cast call`: a view function's result, as cast prints it. */
        call: async (to, signature, ...args) =>
          (await run(CAST, ['call', '--rpc-url', url, to, signature, ...args])).stdout.trim(),
      });
      await rpc(url, 'evm_revert', [snapshot]);
    },
    { auto: true },
  ],

  // The page's uncaught errors fail the test: a panic in the wasm shows up here first.
  page: async ({ page }, use) => {
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },

  /** Gives the page an injected EIP-1193 wallet signing with anvil account `account`. */
  wallet: async ({ page, chain }, use) => {
    await use((account = 0, { chainId = CHAIN_ID, ...config } = {}) => injectWallet(page, account, chainId, chain.url, config));
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
