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
        /** `cast send` from anvil account `account`. */
        send: (account, to, signature, ...args) =>
          run(CAST, ['send', '--rpc-url', url, '--private-key', ANVIL_KEYS[account], to, signature, ...args]),
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
    await use((account = 0, config = {}) =>
      injectHeadlessWeb3Provider(page, [ANVIL_KEYS[account]], CHAIN_ID, chain.url, config),
    );
  },
});
