import { test, expect, Web3RequestKind } from './fixtures.mjs';
import { ANVIL_KEYS } from '../scripts/lib/localchain.mjs';

const ACCOUNT_0 = '0xf39f…2266';
const ACCOUNT_1 = '0x7099…79c8';

async function connect(page, provider) {
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toHaveText(ACCOUNT_0);
}

test('a user rejection is a calm "cancelled", not an error', async ({ page, wallet }) => {
  const provider = await wallet(0);
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.reject(Web3RequestKind.RequestAccounts);
  await expect(page.getByText('Connection cancelled.')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Connect' })).toBeEnabled();
});

test('an account change in the wallet shows at once, without a reload', async ({ page, wallet }) => {
  const provider = await wallet(0);
  await page.goto('/');
  await connect(page, provider);
  await provider.changeAccounts([ANVIL_KEYS[1]]);
  await expect(page.getByTestId('account')).toHaveText(ACCOUNT_1);
});

test('disconnect forgets the connection, also across a reload', async ({ page, wallet }) => {
  const provider = await wallet(0);
  await page.goto('/');
  await connect(page, provider);
  await page.reload();
  await expect(page.getByTestId('account')).toHaveText(ACCOUNT_0);
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByRole('button', { name: 'Connect' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Connect' })).toBeVisible();
  await expect(page.getByTestId('account')).toHaveCount(0);
});

test('on the wrong chain a banner offers to switch, adding the network first', async ({ page, wallet }) => {
  // A wallet on mainnet that has never heard of the local chain: switching fails with 4902.
  const provider = await wallet(0, { chainId: 1 });
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);

  const banner = page.getByTestId('wrong-network');
  await expect(banner).toContainText('Your wallet is on chain 1. HashTwin runs on Anvil (local).');
  await banner.getByRole('button', { name: 'Switch to Anvil (local)' }).click();
  await provider.authorize(Web3RequestKind.SwitchEthereumChain);
  await provider.authorize(Web3RequestKind.AddEthereumChain);
  await provider.authorize(Web3RequestKind.SwitchEthereumChain);
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId('wallet-chain')).toHaveCount(0);
});

test('with two wallets the user picks one, and the choice is remembered', async ({ page, wallet }) => {
  const provider = await wallet(0);
  // A second wallet that announces itself through EIP-6963 but is never chosen.
  await page.addInitScript(() => {
    const detail = Object.freeze({
      info: { uuid: '0d3c2a5e-0000-4000-8000-000000000002', name: 'Other Wallet', icon: '', rdns: 'com.example.other' },
      provider: { request: () => Promise.reject({ code: 4001, message: 'not this one' }), on() {}, removeListener() {} },
    });
    const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
    window.addEventListener('eip6963:requestProvider', announce);
    announce();
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Connect' }).click();
  const picker = page.getByRole('dialog', { name: 'Choose a wallet' });
  await expect(picker.getByRole('button', { name: 'Other Wallet' })).toBeVisible();
  await picker.getByRole('button', { name: 'Headless Web3 Provider' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toHaveText(ACCOUNT_0);

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(picker).toHaveCount(0);
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toHaveText(ACCOUNT_0);
});
