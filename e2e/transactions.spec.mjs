import { test, expect, Web3RequestKind } from './fixtures.mjs';
import { rpc } from '../scripts/lib/localchain.mjs';

// Seeded market (contracts/script/Seed.s.sol): twin 5 listed at 1.1 ETH by account 1, twin 7 at
// 1.9 ETH by account 3; account 8 is an investor with no twins.
const INVESTOR = 8;
const INVESTOR_ADDRESS = '0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f';

async function connectAs(page, wallet, account, path) {
  const provider = await wallet(account);
  await page.goto(path);
  await page.getByRole('button', { name: 'Connect' }).click();
  await provider.authorize(Web3RequestKind.RequestAccounts);
  await expect(page.getByTestId('account')).toBeVisible();
  return provider;
}

test('a purchase shows its fee first, then goes through the wallet to the chain', async ({ page, wallet }) => {
  const provider = await connectAs(page, wallet, INVESTOR, '/twin/5');
  await expect(page.getByTestId('listing')).toHaveText('Listed for 1.1 ETH by alice-mining.eth');

  await page.getByRole('button', { name: 'Buy for 1.1 ETH' }).click();
  await expect(page.getByTestId('fee')).toHaveText(/^Network fee: up to 0\.\d+ ETH \(\d+ gas at up to [\d.]+ gwei\)\.$/);
  expect(provider.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);

  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('toast').filter({ hasText: 'Buy twin #5 for 1.1 ETH: done' })).toBeVisible();
  await expect(page.getByTestId('owner')).toHaveText(INVESTOR_ADDRESS);
  await expect(page.getByTestId('listing')).toHaveText('Not listed for sale.');
});

test('a purchase the user rejects in the wallet is calmly cancelled', async ({ page, wallet }) => {
  const provider = await connectAs(page, wallet, INVESTOR, '/twin/5');
  await page.getByRole('button', { name: 'Buy for 1.1 ETH' }).click();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.reject(Web3RequestKind.SendTransaction);
  await expect(page.getByText('Cancelled in your wallet. Nothing was sent.')).toBeVisible();
  await expect(page.getByTestId('listing')).toHaveText('Listed for 1.1 ETH by alice-mining.eth');
  await expect(page.getByTestId('market-panel').getByRole('alert')).toHaveCount(0);
});

test('a transaction that reverts on chain says why, decoded from the contract', async ({ page, wallet, chain }) => {
  const provider = await connectAs(page, wallet, INVESTOR, '/twin/7');
  await page.getByRole('button', { name: 'Buy for 1.9 ETH' }).click();
  await expect(page.getByTestId('confirm')).toBeVisible();

  // Someone else buys the twin between the estimate and the user's confirmation.
  await chain.send(9, chain.twinMarket, 'buy(uint256)', '7', '--value', '1.9ether');

  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('market-panel').getByRole('alert')).toHaveText(
    'The transaction was mined but failed: Twin #7 is not listed for sale.',
  );
  await expect(page.getByTestId('toast').filter({ hasText: 'Twin #7 is not listed for sale.' })).toBeVisible();
});

test('a purchase whose page is left while it is mined still finishes, toasts and is remembered', async ({ page, wallet, chain }) => {
  const provider = await connectAs(page, wallet, INVESTOR, '/twin/5');
  // The transaction waits in the pool until the test mines it, after the page that sent it is gone.
  await rpc(chain.url, 'evm_setAutomine', [false]);
  try {
    await page.getByRole('button', { name: 'Buy for 1.1 ETH' }).click();
    await page.getByRole('button', { name: 'Confirm in wallet' }).click();
    await provider.authorize(Web3RequestKind.SendTransaction);
    await expect(page.getByRole('button', { name: 'Waiting for the block…' })).toBeVisible();
    await expect(page.getByTestId('toast').filter({ hasText: 'Buy twin #5 for 1.1 ETH: pending' })).toBeVisible();
    // Within the app, not a reload: the twin page and its button are disposed, the app is not.
    await page.getByRole('link', { name: 'Portfolio' }).click();
    await expect(page.getByTestId('recent-transactions')).toContainText('Buy twin #5 for 1.1 ETH · pending');
    await chain.mine();
  } finally {
    await rpc(chain.url, 'evm_setAutomine', [true]);
  }
  await expect(page.getByTestId('toast').filter({ hasText: 'Buy twin #5 for 1.1 ETH: done' })).toBeVisible();
  // Landed, the purchase is the chain's record of it, no longer this browser's note.
  await expect(page.getByTestId('recent-transactions')).toContainText('Bought twin #5 from alice-mining.eth for 1.1 ETH · block ');
  await expect(page.getByTestId('recent-transactions')).not.toContainText('Buy twin #5 for 1.1 ETH');
});

test('a seller withdraws the proceeds of a sale', async ({ page, wallet, chain }) => {
  await chain.send(INVESTOR, chain.twinMarket, 'buy(uint256)', '5', '--value', '1.1ether');
  const provider = await connectAs(page, wallet, 1, '/portfolio');
  // 1.1 ETH less the 2.5% protocol fee; the 5% royalty goes to the operator, who is the seller here.
  await expect(page.getByTestId('proceeds')).toHaveText('1.0725 ETH to withdraw.');
  await page.getByRole('button', { name: 'Withdraw 1.0725 ETH' }).click();
  await page.getByRole('button', { name: 'Confirm in wallet' }).click();
  await provider.authorize(Web3RequestKind.SendTransaction);
  await expect(page.getByTestId('toast').filter({ hasText: 'Withdraw 1.0725 ETH: done' })).toBeVisible();
  await expect(page.getByTestId('proceeds')).toHaveText('Nothing to withdraw.');

  // Remembered per account and chain, across a reload.
  await page.reload();
  await expect(page.getByTestId('recent-transactions')).toContainText('Withdraw 1.0725 ETH · confirmed');
});

test('with the RPC down the app says it is offline, and recovers when it is back', async ({ page, chain }) => {
  const port = new URL(chain.url).port;
  const rpcDown = (url) => url.port === port;
  await page.route(rpcDown, (route) => route.abort('connectionrefused'));
  await page.goto('/');
  await expect(page.getByTestId('offline')).toContainText('Offline: Anvil (local) at');
  await expect(page.getByRole('alert').filter({ hasText: 'cannot be reached' }).first()).toBeVisible();

  await page.unroute(rpcDown);
  await expect(page.getByTestId('offline')).toHaveCount(0, { timeout: 15_000 });
  await page.reload();
  await expect(page.getByTestId('twin-card')).toHaveCount(12);
});

test('an account short of ETH is told how much it needs and has, in words, before the wallet opens', async ({ page, wallet, chain }) => {
  await rpc(chain.url, 'anvil_setBalance', [INVESTOR_ADDRESS, '0x44d575b885f0000']); // 0.31 ETH
  const provider = await connectAs(page, wallet, INVESTOR, '/twin/5');
  await expect(page.getByTestId('balance')).toHaveText('0.31 ETH');
  await page.getByRole('button', { name: 'Buy for 1.1 ETH' }).click();
  const alert = page.getByTestId('market-panel').getByRole('alert');
  await expect(alert).toHaveText('You need 1.1 ETH plus the network fee; this account has 0.31 ETH. Add ETH to it, then retry.');
  await expect(page.getByTestId('fee')).toHaveCount(0);
  expect(provider.getPendingRequestCount(Web3RequestKind.SendTransaction)).toBe(0);
  // It stays until the user retries, whatever the chain does meanwhile.
  await chain.mine();
  await chain.mine();
  await expect(alert).toBeVisible();
});
